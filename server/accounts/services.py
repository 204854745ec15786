"""Account intents: creating accounts (each with its Person actor) and administrators."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from federation.models import Actor
from federation.services import create_local_actor

from .models import User


class AccountError(Exception):
    """An account could not be created; the message says why and what to do."""


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@transaction.atomic
def create_account(username: str, email: str, password: str, *, display_name: str = "", **fields) -> User:
    """Create a local account and its Person actor in one transaction."""
    username = (username or "").strip().lower()
    if User.objects.filter(username__iexact=username).exists() or Actor.objects.filter(username=username).exists():
        raise AccountError(f"the name {username!r} is taken; choose another one.")
    user = User(username=username, email=(email or "").strip(), first_name=display_name[:150], **fields)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(_messages(exc)) from None
    try:
        actor = create_local_actor(Actor.Type.PERSON, username, name=display_name)
    except ValidationError as exc:
        raise AccountError(f"{username!r}: {_messages(exc)}") from None
    user.actor = actor
    user.set_password(password)
    user.save()
    return user


def create_admin(username: str, email: str, password: str) -> User:
    return create_account(username, email, password, is_staff=True, is_superuser=True)
