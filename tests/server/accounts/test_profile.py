"""Public profile pages and editing one's own profile (which updates the Person actor)."""

import pytest
from django.urls import reverse

from federation.models import Actor
from server.accounts.models import User

EDIT = reverse("accounts:profile-edit")


def profile_url(username):
    return reverse("accounts:profile", args=[username])


@pytest.mark.django_db
def test_profile_shows_name_handle_escaped_bio_and_join_date(client, make_user, settings):
    make_user("anna", display_name="Anna Jansen", bio="Regel één <script>alert(1)</script>\nRegel twee")
    response = client.get(profile_url("anna"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Anna Jansen" in html
    assert f"@anna@{settings.WEERBAAR_DOMAIN}" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Regel twee" in html
    assert "Member since" in html
    assert EDIT not in html  # not the owner


@pytest.mark.django_db
def test_owner_sees_the_edit_link(client, make_user):
    user = make_user("anna")
    client.force_login(user)
    assert EDIT in client.get(profile_url("anna")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False, "approval": User.Approval.PENDING},
        {"is_active": False, "approval": User.Approval.REJECTED},
        {"is_active": False, "approval": User.Approval.APPROVED},  # deactivated by an admin
        {"is_active": True, "approval": User.Approval.PENDING},  # activated without approval
    ],
)
def test_profiles_of_accounts_that_are_not_active_and_approved_are_404(client, make_user, fields):
    make_user("anna", **fields)
    assert client.get(profile_url("anna")).status_code == 404


@pytest.mark.django_db
def test_unknown_profile_and_group_actor_are_404(client):
    from federation.services import create_local_actor

    create_local_actor(Actor.Type.GROUP, "hoogwater")
    assert client.get(profile_url("niemand")).status_code == 404
    assert client.get(profile_url("hoogwater")).status_code == 404


@pytest.mark.django_db
def test_profile_edit_requires_login(client):
    response = client.get(EDIT)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_profile_edit_saves_and_updates_the_actor(client, make_user):
    user = make_user("anna", display_name="Anna")
    client.force_login(user)
    html = client.get(EDIT).content.decode()
    assert '<label for="id_display_name">' in html and 'autocomplete="email"' in html
    response = client.post(EDIT, {"display_name": "Anna Jansen", "bio": "Vrijwilliger bij de brandweer.", "email": "Anna.Jansen@Example.org"})
    assert response.status_code == 302 and response["Location"] == profile_url("anna")
    user.refresh_from_db()
    assert (user.first_name, user.bio, user.email) == ("Anna Jansen", "Vrijwilliger bij de brandweer.", "Anna.Jansen@example.org")
    actor = Actor.objects.get(username="anna")
    assert (actor.name, actor.summary) == ("Anna Jansen", "Vrijwilliger bij de brandweer.")


@pytest.mark.django_db
def test_profile_edit_refuses_an_address_of_another_account(client, make_user):
    make_user("bram", email="bram@example.org")
    user = make_user("anna", display_name="Anna")
    client.force_login(user)
    response = client.post(EDIT, {"display_name": "Anders", "bio": "", "email": "BRAM@example.org"})
    assert response.status_code == 200 and response.context["form"].errors["email"]
    assert 'aria-invalid="true"' in response.content.decode()
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("Anna", "anna@example.org")
    assert Actor.objects.get(username="anna").name == "Anna"


@pytest.mark.django_db
def test_profile_edit_keeps_ones_own_address_and_limits_the_bio(client, make_user):
    user = make_user("anna")
    client.force_login(user)
    assert client.post(EDIT, {"display_name": "", "bio": "", "email": "ANNA@example.org"}).status_code == 302
    response = client.post(EDIT, {"display_name": "", "bio": "x" * 2001, "email": "anna@example.org"})
    assert response.context["form"].errors["bio"]
    user.refresh_from_db()
    assert user.bio == ""
