"""Federation services other packages call: creating and describing local actors."""

from django.db import transaction

from .models import Actor


def create_local_actor(type: str, username: str, name: str = "", summary: str = "", **fields) -> Actor:
    """Create a local actor. Raises django ValidationError for a bad or taken username."""
    actor = Actor(type=type, username=username, name=name, summary=summary, **fields)
    actor.full_clean()
    with transaction.atomic():
        actor.save()
    return actor


def username_available(username: str) -> bool:
    return not Actor.objects.filter(username=username).exists()
