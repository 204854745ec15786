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


def update_local_actor(actor: Actor, *, name: str | None = None, summary: str | None = None) -> Actor:
    """Change how a local actor presents itself and send Update(actor) to its followers."""
    from .delivery import publish
    from .render import actor_document

    fields = ["updated"]
    if name is not None:
        actor.name = name
        fields.append("name")
    if summary is not None:
        actor.summary = summary
        fields.append("summary")
    actor.full_clean()
    with transaction.atomic():
        actor.save(update_fields=fields)
        document = actor_document(actor)
        document.pop("@context", None)
        publish(actor, {
            "type": "Update", "object": document, "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }, to_followers=True)
    return actor


def delete_local_actor(actor: Actor) -> None:
    """Delete a local actor: its URI answers 410 with a Tombstone from now on, its follows end,
    and Delete(actor) goes to its followers and to the actors it followed."""
    from django.utils import timezone

    from .delivery import publish
    from .models import Follow, Tombstone

    with transaction.atomic():
        followed = list(Follow.objects.filter(follower=actor).values_list("followee_uri", flat=True))
        publish(actor, {
            "type": "Delete", "object": actor.uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }, recipients=followed, to_followers=True)
        actor.deleted_at = timezone.now()
        actor.save(update_fields=["deleted_at", "updated"])
        Tombstone.objects.get_or_create(uri=actor.uri, defaults={"former_type": actor.type})
        Follow.objects.filter(follower=actor).delete()
        Follow.objects.filter(followee=actor).delete()
