"""Password reset: the mail is queued (not sent in the request) with a link on WEERBAAR_URL."""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from server.accounts.models import LoginFailure, User
from server.models import OutboundEmail

from .conftest import links_in

RESET = reverse("accounts:password-reset")
NEW_PASSWORD = "nieuw-wachtwoord-voor-de-dijk"


def request_reset(client, email, host="evil.example"):
    # A forged Host header must not end up in the link; make it an allowed host so the request
    # itself is accepted and only the link building is tested.
    return client.post(RESET, {"email": email}, HTTP_HOST=host)


@pytest.mark.django_db
def test_reset_queues_one_mail_with_a_link_on_the_public_url(client, make_user, settings, django_capture_on_commit_callbacks):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    user = make_user("anna", email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = request_reset(client, "ANNA@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password-reset-done")
    email = OutboundEmail.objects.get()
    assert email.to == "anna@example.org" and email.status == "pending"
    assert len(callbacks) == 1  # the worker is triggered on commit ...
    assert mail.outbox == []  # ... and nothing was sent in the request
    links = links_in(email.body)
    assert len(links) == 1
    assert links[0].startswith(settings.WEERBAAR_URL + "/accounts/password-reset/")
    assert "evil.example" not in email.body
    assert user.username in email.body


@pytest.mark.django_db
def test_reset_link_uses_https_and_the_public_host(client, make_user, settings):
    settings.WEERBAAR_URL = "https://weerbaar.example.nl"
    settings.WEERBAAR_SCHEME = "https"
    settings.WEERBAAR_DOMAIN = "weerbaar.example.nl"
    make_user("anna")
    request_reset(client, "anna@example.org", host="testserver")
    (link,) = links_in(OutboundEmail.objects.get().body)
    assert link.startswith("https://weerbaar.example.nl/accounts/password-reset/")


@pytest.mark.django_db
def test_unknown_or_inactive_address_queues_nothing_but_looks_the_same(client, make_user):
    make_user("anna", email="anna@example.org", is_active=False, approval=User.Approval.PENDING)
    for address in ("anna@example.org", "niemand@example.org"):
        response = request_reset(client, address, host="testserver")
        assert response.status_code == 302 and response["Location"] == reverse("accounts:password-reset-done")
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_full_reset_flow_with_the_mailed_link(client, make_user):
    user = make_user("anna")
    LoginFailure.objects.create(username="anna", ip_address="192.0.2.1")
    request_reset(client, "anna@example.org", host="testserver")
    (link,) = links_in(OutboundEmail.objects.get().body)
    path = urlsplit(link).path
    # The link redirects to the same page without the token in the URL (Django's protection).
    response = client.get(path, follow=True)
    assert response.status_code == 200 and response.context["validlink"]
    form_url = response.redirect_chain[-1][0]
    html = response.content.decode()
    assert 'autocomplete="new-password"' in html and '<label for="id_new_password1">' in html
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password-reset-complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not LoginFailure.objects.filter(username="anna").exists()
    # The link works once.
    assert client.get(path, follow=True).context["validlink"] is False
    # And the new password logs in.
    response = client.post(reverse("accounts:login"), {"username": "anna", "password": NEW_PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_weak_new_password_is_refused(client, make_user):
    user = make_user("anna")
    request_reset(client, "anna@example.org", host="testserver")
    (link,) = links_in(OutboundEmail.objects.get().body)
    form_url = client.get(urlsplit(link).path, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200 and response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert not user.check_password("123")

