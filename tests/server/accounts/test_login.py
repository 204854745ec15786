"""Login, its rate limit per name and per address, and messages for accounts that cannot log in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from server.accounts.models import LoginFailure, User

from .conftest import PASSWORD

LOGIN = reverse("accounts:login")


def attempt(client, username, password, ip="192.0.2.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def limits(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    return settings


@pytest.mark.django_db
def test_login_with_the_right_password(client, make_user):
    user = make_user("anna")
    response = attempt(client, "Anna", PASSWORD)  # the name is not case-sensitive
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_login_page_is_accessible(client):
    html = client.get(LOGIN).content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert reverse("accounts:password-reset") in html


@pytest.mark.django_db
def test_wrong_password_is_recorded_with_the_address(client, make_user):
    make_user("anna")
    response = attempt(client, "anna", "fout", ip="192.0.2.77")
    assert response.status_code == 200 and not logged_in(client)
    assert "not correct" in response.content.decode()
    assert list(LoginFailure.objects.values_list("username", "ip_address")) == [("anna", "192.0.2.77")]


@pytest.mark.django_db
def test_forwarded_for_header_is_not_trusted(client, make_user):
    make_user("anna")
    client.post(LOGIN, {"username": "anna", "password": "fout"}, REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert LoginFailure.objects.get().ip_address == "192.0.2.5"


@pytest.mark.django_db
def test_lockout_per_username_refuses_even_the_right_password(client, make_user, limits):
    make_user("anna")
    for i in range(3):  # from different addresses: only the name connects them
        assert attempt(client, "anna", "fout", ip=f"192.0.2.{i + 1}").status_code == 200
    response = attempt(client, "anna", PASSWORD, ip="198.51.100.1")
    assert response.status_code == 429
    assert not logged_in(client)
    text = response.content.decode()
    assert "Too many failed login attempts" in text and "15 minutes" in text
    assert LoginFailure.objects.count() == 3  # refused attempts are not recorded
    # Another name from the same fresh address is not affected.
    make_user("bram")
    assert attempt(client, "bram", PASSWORD, ip="198.51.100.1").status_code == 302


@pytest.mark.django_db
def test_lockout_per_address_covers_every_name(client, make_user, limits):
    make_user("anna")
    for name in ("piet", "joop", "kees"):
        attempt(client, name, "fout", ip="192.0.2.50")
    response = attempt(client, "anna", PASSWORD, ip="192.0.2.50")
    assert response.status_code == 429 and not logged_in(client)
    assert "Too many failed login attempts" in response.content.decode()
    assert attempt(client, "anna", PASSWORD, ip="192.0.2.51").status_code == 302


@pytest.mark.django_db
def test_lockout_ends_after_the_window_and_success_clears_the_name(client, make_user, limits):
    make_user("anna")
    old = timezone.now() - timedelta(minutes=16)
    for _ in range(3):
        LoginFailure.objects.create(username="anna", ip_address="192.0.2.1", created=old)
    LoginFailure.objects.create(username="anna", ip_address="192.0.2.1")  # one recent failure
    assert attempt(client, "anna", PASSWORD, ip="192.0.2.1").status_code == 302
    assert not LoginFailure.objects.filter(username="anna").exists()


@pytest.mark.django_db
def test_wait_time_counts_from_the_oldest_failure_that_keeps_the_lock(client, make_user, limits):
    make_user("anna")
    now = timezone.now()
    for minutes_ago in (14, 10, 1):
        LoginFailure.objects.create(username="anna", ip_address="192.0.2.1", created=now - timedelta(minutes=minutes_ago))
    response = attempt(client, "anna", PASSWORD, ip="192.0.2.9")
    # The lock ends when the failure of 14 minutes ago leaves the 15-minute window.
    assert response.status_code == 429
    assert "Wait 1 minute " in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_old_failures_are_pruned_on_insert(client, make_user):
    LoginFailure.objects.create(username="oud", ip_address="192.0.2.1", created=timezone.now() - timedelta(days=2))
    LoginFailure.objects.create(username="recent", ip_address="192.0.2.1", created=timezone.now() - timedelta(hours=2))
    attempt(client, "anna", "fout")
    assert sorted(LoginFailure.objects.values_list("username", flat=True)) == ["anna", "recent"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "approval, message",
    [(User.Approval.PENDING, "waiting for approval"), (User.Approval.REJECTED, "was not approved")],
)
def test_pending_or_rejected_account_gets_a_clear_message_with_the_right_password(client, make_user, approval, message):
    make_user("anna", is_active=False, approval=approval)
    response = attempt(client, "anna", PASSWORD)
    assert response.status_code == 200 and not logged_in(client)
    assert message in response.content.decode()
    assert not LoginFailure.objects.exists()


@pytest.mark.django_db
def test_pending_account_with_a_wrong_password_looks_like_any_wrong_login(client, make_user):
    make_user("anna", is_active=False, approval=User.Approval.PENDING)
    pending = attempt(client, "anna", "fout").content.decode()
    unknown = attempt(client, "niemand", "fout").content.decode()
    assert "waiting for approval" not in pending
    assert "not correct" in pending and "not correct" in unknown
    assert LoginFailure.objects.filter(username="anna").count() == 1


@pytest.mark.django_db
def test_logout_by_post(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in(client)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and not logged_in(client)
