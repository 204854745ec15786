"""Account intents: signing up (by the node's registration mode), creating accounts (each with
its Person actor), administrators, approval and profiles.

The checks here are the authority; forms call them for early, per-field feedback and the
intents repeat them inside the transaction that writes.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import Actor, validate_username
from federation.services import create_local_actor, update_local_actor

from ..mail import queue_email
from ..models import NodeSettings
from .models import Invite, User

logger = logging.getLogger(__name__)

# Names the accounts URLs need besides the federation-wide reserved names:
# /accounts/profile/edit/ would hide the profile of a user called "edit".
ACCOUNT_RESERVED_USERNAMES = frozenset({"edit"})


class AccountError(Exception):
    """An account could not be created or changed; the message says why and what to do.

    `field` names the form field the problem belongs to (None: the form as a whole).
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --- checks ---------------------------------------------------------------------------------


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def normalise_email(email: str) -> str:
    return BaseUserManager.normalize_email((email or "").strip())


def check_username(username: str) -> str:
    """Return the normalised name, or raise AccountError(field="username")."""
    username = normalise_username(username)
    try:
        validate_username(username)
    except ValidationError as exc:
        raise AccountError(_messages(exc), "username") from None
    if username in ACCOUNT_RESERVED_USERNAMES:
        raise AccountError(_("This name is reserved. Choose another one."), "username")
    # One namespace for people, groups and organisations: @name@node must be unique.
    if User.objects.filter(username__iexact=username).exists() or Actor.objects.filter(username=username).exists():
        raise AccountError(_("The name %(name)s is taken; choose another one.") % {"name": username}, "username")
    return username


def check_email(email: str, *, exclude: User | None = None, required: bool = True) -> str:
    """Return the normalised address, or raise AccountError(field="email")."""
    email = normalise_email(email)
    if not email:
        if required:
            raise AccountError(_("Enter your e-mail address."), "email")
        return email
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(_("Enter a valid e-mail address, like name@example.org."), "email") from None
    taken = User.objects.filter(email__iexact=email)
    if exclude is not None and exclude.pk:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise AccountError(_("An account with this e-mail address already exists."), "email")
    return email


def check_password(password: str, user: User, field: str = "password1") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(_messages(exc), field) from None


def find_usable_invite(code: str, *, lock: bool = False) -> Invite:
    """The invitation with this code if it can still be used, else AccountError(field="invite_code")."""
    code = (code or "").strip()
    if not code:
        raise AccountError(_("Enter the invitation code you received."), "invite_code")
    invites = Invite.objects.select_for_update() if lock else Invite.objects.all()
    invite = invites.filter(code=code).first()
    if invite is None:
        raise AccountError(_("This invitation code is not valid. Check the code or the link you received."), "invite_code")
    if invite.is_expired():
        raise AccountError(_("This invitation has expired. Ask for a new one."), "invite_code")
    if invite.is_used_up():
        raise AccountError(_("This invitation has already been used. Ask for a new one."), "invite_code")
    return invite


def redeem_invite(code: str) -> Invite:
    """Use an invitation once. Call inside the transaction that creates the account."""
    invite = find_usable_invite(code, lock=True)
    # Conditional increment: even without row locks (SQLite) two sign-ups cannot both take
    # the last use.
    updated = (
        Invite.objects.filter(pk=invite.pk)
        .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
        .update(uses=F("uses") + 1)
    )
    if not updated:
        raise AccountError(_("This invitation has already been used. Ask for a new one."), "invite_code")
    invite.refresh_from_db(fields=["uses"])
    return invite


# --- intents --------------------------------------------------------------------------------


@transaction.atomic
def create_account(
    username: str, email: str, password: str, *, display_name: str = "", bio: str = "", **fields
) -> User:
    """Create a local account and its Person actor in one transaction.

    The e-mail address may be empty here (administrators from the CLI); sign_up requires it.
    """
    username = check_username(username)
    email = check_email(email, required=False)
    display_name = (display_name or "").strip()[:150]
    user = User(username=username, email=email, first_name=display_name, bio=bio, **fields)
    check_password(password, user)
    try:
        with transaction.atomic():
            actor = create_local_actor(Actor.Type.PERSON, username, name=display_name, summary=bio)
            user.actor = actor
            user.set_password(password)
            user.save()
    except ValidationError as exc:  # the actor's own validation (e.g. taken in a race)
        raise AccountError(f"{username}: {_messages(exc)}", "username") from None
    except IntegrityError:
        # A concurrent sign-up took the name or the address between the checks and the insert.
        if email and User.objects.filter(email__iexact=email).exists():
            raise AccountError(_("An account with this e-mail address already exists."), "email") from None
        raise AccountError(_("The name %(name)s is taken; choose another one.") % {"name": username}, "username") from None
    return user


def create_admin(username: str, email: str, password: str) -> User:
    return create_account(username, email, password, is_staff=True, is_superuser=True)


def sign_up(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    reason: str = "",
    invite_code: str = "",
    mode: str | None = None,
) -> User:
    """Sign up as the node's registration mode says. Raises AccountError with the field at fault.

    open: active at once. approval: inactive and pending, staff are told by e-mail.
    invite: a usable invitation is required and used up in the same transaction.
    """
    Registration = NodeSettings.Registration
    mode = mode or NodeSettings.current().registration_mode
    email = check_email(email, required=True)
    fields: dict = {}
    if mode == Registration.APPROVAL:
        reason = (reason or "").strip()
        if not reason:
            raise AccountError(_("Tell the administrators why you want to join."), "reason")
        fields = {"is_active": False, "approval": User.Approval.PENDING, "signup_reason": reason}
    with transaction.atomic():
        if mode == Registration.INVITE:
            fields["invite"] = redeem_invite(invite_code)
        user = create_account(username, email, password, display_name=display_name, **fields)
        if mode == Registration.APPROVAL:
            notify_staff_of_signup(user)
    logger.info("new account %s (%s)", user.username, mode)
    return user


def _admin_url(name: str, *args) -> str:
    return f"{settings.WEERBAAR_URL}{reverse(name, args=args)}"


def _render(template: str, context: dict) -> str:
    node = NodeSettings.current()
    return render_to_string(template, {"node": node, "node_url": settings.WEERBAAR_URL, **context})


def notify_staff_of_signup(user: User) -> int:
    """Queue an e-mail to every active staff member with an address. Returns how many."""
    staff = User.objects.filter(is_staff=True, is_active=True).exclude(email="").exclude(pk=user.pk)
    context = {
        "account": user,
        "review_url": _admin_url("admin:accounts_user_change", user.pk),
        "pending_url": _admin_url("admin:accounts_user_changelist") + "?approval__exact=pending",
    }
    subject = _("New sign-up waiting for approval: %(username)s") % {"username": user.username}
    body = _render("accounts/email/signup_pending_staff.txt", context)
    count = 0
    for member in staff:
        queue_email(member.email, subject, body)
        count += 1
    return count


def _tell(user: User, subject: str, template: str, **context) -> None:
    """Queue a mail about their account to the person (when they gave an address)."""
    if user.email:
        node_name = NodeSettings.current().name
        queue_email(user.email, subject % {"node": node_name}, _render(template, {"account": user, **context}))


@transaction.atomic
def approve_account(user: User) -> bool:
    """Activate a pending or rejected account and tell the person. False if nothing changed."""
    if user.approval == User.Approval.APPROVED and user.is_active:
        return False
    user.approval = User.Approval.APPROVED
    user.is_active = True
    user.save(update_fields=["approval", "is_active"])
    _tell(user, _("Your account on %(node)s has been approved"), "accounts/email/approved.txt",
          login_url=_admin_url("accounts:login"))
    logger.info("account %s approved", user.username)
    return True


@transaction.atomic
def reject_account(user: User) -> bool:
    """Refuse a pending sign-up and tell the person. False if the account was not pending."""
    if user.approval != User.Approval.PENDING:
        return False
    user.approval = User.Approval.REJECTED
    user.is_active = False
    user.save(update_fields=["approval", "is_active"])
    _tell(user, _("Your sign-up for %(node)s"), "accounts/email/rejected.txt")
    logger.info("account %s rejected", user.username)
    return True


@transaction.atomic
def update_profile(user: User, *, display_name: str, bio: str, email: str) -> User:
    """Save display name, bio and e-mail; the Person actor gets the same name and summary."""
    email = check_email(email, exclude=user, required=True)
    user.first_name = (display_name or "").strip()[:150]
    user.bio = (bio or "").strip()
    user.email = email
    user.save(update_fields=["first_name", "bio", "email"])
    if user.actor_id:
        actor = Actor.objects.select_for_update().get(pk=user.actor_id)
        user.actor = update_local_actor(actor, name=user.first_name, summary=user.bio)
    return user


def expire_invites(queryset) -> int:
    return queryset.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())).update(expires_at=timezone.now())
