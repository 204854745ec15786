"""Approving and rejecting sign-ups, and invitations, in the Django admin."""

import pytest
from django.urls import reverse

from server.accounts.models import Invite, User
from server.models import OutboundEmail

from .conftest import PASSWORD

CHANGELIST = reverse("admin:accounts_user_changelist")


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user("beheer", email="beheer@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


def run_action(client, action, users):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [u.pk for u in users]}, follow=True)


@pytest.mark.django_db
def test_approve_activates_and_queues_a_mail(admin_client, make_user):
    pending = make_user("noor", is_active=False, approval=User.Approval.PENDING)
    response = run_action(admin_client, "approve", [pending])
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.is_active and pending.approval == User.Approval.APPROVED
    email = OutboundEmail.objects.get()
    assert email.to == "noor@example.org" and "approved" in email.subject
    assert reverse("accounts:login") in email.body
    # The approved person can log in now.
    admin_client.logout()
    response = admin_client.post(reverse("accounts:login"), {"username": "noor", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_approve_skips_accounts_that_are_already_approved(admin_client, make_user):
    approved = make_user("anna")
    run_action(admin_client, "approve", [approved])
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_reject_deactivates_pending_only_and_queues_a_mail(admin_client, make_user):
    pending = make_user("noor", is_active=False, approval=User.Approval.PENDING)
    member = make_user("anna")
    response = run_action(admin_client, "reject", [pending, member, admin_client.admin])
    assert "2 accounts were skipped" in response.content.decode()
    pending.refresh_from_db()
    member.refresh_from_db()
    assert not pending.is_active and pending.approval == User.Approval.REJECTED
    assert member.is_active and member.approval == User.Approval.APPROVED
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == ["noor@example.org"]


@pytest.mark.django_db
def test_approval_filter_lists_pending_accounts(admin_client, make_user):
    make_user("noor", is_active=False, approval=User.Approval.PENDING)
    make_user("anna")
    response = admin_client.get(CHANGELIST, {"approval__exact": "pending"})
    assert [u.username for u in response.context["cl"].result_list] == ["noor"]


@pytest.mark.django_db
def test_accounts_are_not_added_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 403


@pytest.mark.django_db
def test_admin_creates_an_invite_and_sees_the_full_link(admin_client, settings):
    response = admin_client.post(
        reverse("admin:accounts_invite_add"), {"note": "Buurtvereniging", "max_uses": "5", "expires_at_0": "", "expires_at_1": ""}
    )
    assert response.status_code == 302
    invite = Invite.objects.get()
    assert invite.note == "Buurtvereniging" and invite.max_uses == 5 and invite.uses == 0
    assert invite.created_by == admin_client.admin
    assert len(invite.code) >= 20
    html = admin_client.get(reverse("admin:accounts_invite_changelist")).content.decode()
    assert f"{settings.WEERBAAR_URL}/accounts/signup/?invite={invite.code}" in html


@pytest.mark.django_db
def test_expire_action_makes_an_invite_unusable(admin_client):
    invite = Invite.objects.create()
    admin_client.post(reverse("admin:accounts_invite_changelist"), {"action": "expire", "_selected_action": [invite.pk]})
    invite.refresh_from_db()
    assert invite.is_expired() and not invite.is_usable()


@pytest.mark.django_db
def test_invite_codes_differ():
    assert len({Invite.objects.create().code for _ in range(20)}) == 20


@pytest.mark.django_db
def test_admin_change_pages_render(admin_client, make_user):
    user = make_user("noor", is_active=False, approval=User.Approval.PENDING, signup_reason="Buurtwacht")
    invite = Invite.objects.create(note="x")
    html = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
    assert "Buurtwacht" in html and 'name="approval"' in html and 'name="username"' not in html
    html = admin_client.get(reverse("admin:accounts_invite_change", args=[invite.pk])).content.decode()
    assert invite.signup_url in html
    assert admin_client.get(reverse("admin:accounts_loginfailure_changelist")).status_code == 200
