"""Sign-up in each registration mode, and the field errors that store nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from federation.models import Actor
from federation.services import create_local_actor
from server.accounts.models import Invite, User
from server.models import OutboundEmail

from .conftest import PASSWORD, signup_data

SIGNUP = reverse("accounts:signup")


def nothing_stored(username="noor"):
    return not User.objects.filter(username=username).exists() and not Actor.objects.filter(username=username).exists()


# --- open -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_open_signup_creates_active_account_with_actor_and_logs_in(client, registration):
    registration("open")
    response = client.post(SIGNUP, signup_data(username="Noor"), follow=True)
    assert response.redirect_chain == [(reverse("home"), 302)]
    user = User.objects.get(username="noor")  # lower-cased
    assert user.is_active and user.approval == User.Approval.APPROVED
    assert user.check_password(PASSWORD) and user.email == "noor@example.org" and user.first_name == "Noor de Vries"
    assert user.actor.type == Actor.Type.PERSON and user.actor.username == "noor" and user.actor.name == "Noor de Vries"
    assert response.context["user"] == user  # logged in
    assert "Welcome" in response.content.decode()
    assert OutboundEmail.objects.count() == 0


@pytest.mark.django_db
def test_signup_form_is_accessible(client, registration):
    registration("approval")
    html = client.get(SIGNUP).content.decode()
    for name, autocomplete in [("username", "username"), ("email", "email"), ("password1", "new-password"), ("password2", "new-password")]:
        assert f'<label for="id_{name}">' in html
        assert f'autocomplete="{autocomplete}"' in html
    assert 'name="reason"' in html and 'name="invite_code"' not in html
    response = client.post(SIGNUP, signup_data(username="Bad Name!", reason="x"))
    html = response.content.decode()
    assert 'role="alert"' in html and 'href="#id_username"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_username_helptext id_username_error"' in html
    assert 'id="id_username_error"' in html and "form-field--error" in html
    response = client.post(SIGNUP, signup_data(password1="123", password2="123"))
    # One message per failed password rule, each linked from the summary.
    assert len(response.context["form"].errors["password1"]) == 3
    assert response.content.decode().count('href="#id_password1"') == 3


# --- approval -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approval_signup_creates_pending_inactive_account_and_mails_staff(client, registration, make_user):
    registration("approval")
    staff = make_user("beheer", is_staff=True)
    make_user("oudstaf", is_staff=True, is_active=False)  # inactive staff get nothing
    make_user("gewoon")  # not staff
    response = client.post(SIGNUP, signup_data(reason="Ik coördineer de buurtwacht."), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:signup-pending")
    assert "awaits approval" in response.content.decode()
    user = User.objects.get(username="noor")
    assert not user.is_active and user.approval == User.Approval.PENDING
    assert user.signup_reason == "Ik coördineer de buurtwacht."
    assert user.actor.username == "noor"
    assert "_auth_user_id" not in client.session
    mails = list(OutboundEmail.objects.all())
    assert [m.to for m in mails] == [staff.email]
    assert "noor" in mails[0].subject and "Ik coördineer de buurtwacht." in mails[0].body
    assert f"/admin/accounts/user/{user.pk}/change/" in mails[0].body


@pytest.mark.django_db
def test_approval_requires_a_reason(client, registration):
    registration("approval")
    response = client.post(SIGNUP, signup_data(reason="  "))
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert nothing_stored()


# --- invite ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_invite_signup_uses_the_code_and_logs_in(client, registration):
    registration("invite")
    invite = Invite.objects.create(max_uses=2)
    response = client.post(SIGNUP, signup_data(invite_code=invite.code))
    assert response.status_code == 302
    user = User.objects.get(username="noor")
    assert user.is_active and user.invite == invite
    invite.refresh_from_db()
    assert invite.uses == 1
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_invite_code_from_the_link_is_prefilled(client, registration):
    registration("invite")
    invite = Invite.objects.create()
    assert invite.signup_url.endswith(f"/accounts/signup/?invite={invite.code}")
    html = client.get(SIGNUP, {"invite": invite.code}).content.decode()
    assert f'value="{invite.code}"' in html


@pytest.mark.django_db
def test_invite_mode_requires_a_code(client, registration):
    registration("invite")
    response = client.post(SIGNUP, signup_data())
    assert "invite_code" in response.context["form"].errors
    assert nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "invite_fields, message",
    [
        (None, "not valid"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expired"),
        ({"max_uses": 1, "uses": 1}, "already been used"),
    ],
    ids=["unknown", "expired", "used-up"],
)
def test_unusable_invite_is_refused_and_nothing_is_stored(client, registration, invite_fields, message):
    registration("invite")
    if invite_fields is None:
        code = "no-such-code"
    else:
        invite = Invite.objects.create(**{k: v for k, v in invite_fields.items() if k != "uses"})
        Invite.objects.filter(pk=invite.pk).update(uses=invite_fields.get("uses", 0))
        code = invite.code
    response = client.post(SIGNUP, signup_data(invite_code=code))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["invite_code"])
    assert nothing_stored()
    assert list(Invite.objects.values_list("uses", flat=True)) == ([] if invite_fields is None else [invite_fields.get("uses", 0)])


@pytest.mark.django_db
def test_failed_account_creation_does_not_use_up_the_invite(registration, make_user):
    """The increment and the account are one transaction: a refused account leaves the code."""
    from server.accounts.services import AccountError, sign_up

    registration("invite")
    make_user("noor", email="other@example.org")
    invite = Invite.objects.create()
    with pytest.raises(AccountError) as exc:
        # Skips the form, as a concurrent sign-up taking the name between check and write would.
        sign_up(username="noor", email="noor2@example.org", password=PASSWORD, invite_code=invite.code)
    assert exc.value.field == "username"
    invite.refresh_from_db()
    assert invite.uses == 0


@pytest.mark.django_db
def test_last_use_of_an_invite_cannot_be_taken_twice(registration):
    from server.accounts.services import AccountError, sign_up

    registration("invite")
    invite = Invite.objects.create(max_uses=1)
    sign_up(username="een", email="een@example.org", password=PASSWORD, invite_code=invite.code)
    with pytest.raises(AccountError) as exc:
        sign_up(username="twee", email="twee@example.org", password=PASSWORD, invite_code=invite.code)
    assert exc.value.field == "invite_code"
    assert not User.objects.filter(username="twee").exists()
    assert Invite.objects.get(pk=invite.pk).uses == 1


# --- field errors in every mode -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"username": "no spaces"}, "username"),
        ({"username": "-dash"}, "username"),
        ({"username": "admin"}, "username"),
        ({"username": "edit"}, "username"),
        ({"password1": "kort12", "password2": "kort12"}, "password1"),  # too short
        ({"password1": "12345678901234", "password2": "12345678901234"}, "password1"),  # numeric
        ({"password1": "password123", "password2": "password123"}, "password1"),  # common
        ({"password1": "noordevries", "password2": "noordevries"}, "password1"),  # like the name
        ({"password2": PASSWORD + "x"}, "password2"),
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
    ],
)
def test_bad_input_gives_a_field_error_and_stores_nothing(client, registration, overrides, field):
    registration("open")
    before = (User.objects.count(), Actor.objects.count())
    data = signup_data(**overrides)
    response = client.post(SIGNUP, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert (User.objects.count(), Actor.objects.count()) == before
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_name_taken_by_a_user_is_refused(client, registration, make_user):
    registration("open")
    make_user("noor", email="eerste@example.org")
    response = client.post(SIGNUP, signup_data(username="NOOR"))
    assert "taken" in " ".join(response.context["form"].errors["username"])
    assert User.objects.filter(username="noor").count() == 1
    assert not User.objects.filter(email="noor@example.org").exists()


@pytest.mark.django_db
def test_name_taken_by_a_group_actor_is_refused(client, registration):
    registration("open")
    create_local_actor(Actor.Type.GROUP, "hoogwater", name="Hoogwater")
    response = client.post(SIGNUP, signup_data(username="hoogwater"))
    assert "taken" in " ".join(response.context["form"].errors["username"])
    assert not User.objects.exists()
    assert Actor.objects.get(username="hoogwater").type == Actor.Type.GROUP


@pytest.mark.django_db
def test_duplicate_email_is_refused_whatever_its_case(client, registration, make_user):
    registration("open")
    make_user("eerste", email="noor@example.org")
    response = client.post(SIGNUP, signup_data(email="Noor@Example.ORG"))
    assert response.context["form"].errors["email"]
    assert nothing_stored()


@pytest.mark.django_db
def test_database_refuses_duplicate_email_in_other_case(make_user):
    from django.db import IntegrityError, transaction

    make_user("eerste", email="noor@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="tweede", email="NOOR@example.org")


@pytest.mark.django_db
def test_logged_in_user_is_sent_home(client, registration, make_user):
    registration("open")
    client.force_login(make_user())
    assert client.get(SIGNUP)["Location"] == reverse("home")


@pytest.mark.django_db
def test_create_admin_still_works_without_email():
    from server.accounts.services import create_admin

    user = create_admin("beheerder", "", PASSWORD)
    assert user.is_superuser and user.is_staff and user.actor.username == "beheerder"
    create_admin("tweede", "", PASSWORD)  # several administrators without an address
    assert User.objects.filter(email="").count() == 2
