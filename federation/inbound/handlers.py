"""The core inbound handlers: follows, actor updates and deletions, blocks.

Registered in federation.registry when this module is imported (federation.inbound imports it).
Content activities (Create, Announce, Like, Delete of objects...) belong to groups/ and
capabilities/, which register their own handlers; the core only refuses what is not allowed.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import registry
from ..models import Actor, Follow, RemoteActor
from .context import Ignored, InboundContext, Refused, id_of, local_actor
from .follows import receive_follow
from .remote import ACTOR_TYPES, find_key, refresh_actor, store_actor

LOCAL_TYPES = tuple(Actor.Type.values)


def _local_target(ctx: InboundContext) -> Actor:
    actor = local_actor(ctx.object_id)
    if actor is None or actor.deleted_at is not None:
        raise Ignored(f"{ctx.object_id} is not a local actor")
    return actor


def on_follow(ctx: InboundContext) -> None:
    """Follow of a local actor: accepted at once, or pending when it approves manually."""
    receive_follow(ctx.actor_uri, _local_target(ctx), ctx.activity["id"])


def _embedded_follow(ctx: InboundContext) -> tuple[str | None, str | None]:
    """(follower, followee) named by an embedded Follow, or (None, None)."""
    obj = ctx.object or {}
    return id_of(obj.get("actor")), id_of(obj.get("object"))


def _find_follow(ctx: InboundContext, *, ours: bool) -> Follow | None:
    """The follow an activity refers to: by its id, else by the embedded Follow's (follower,
    followee). `ours`: follows by our actors (answered by Accept/Reject), else theirs (Undo)."""
    rows = Follow.objects.filter(follower__isnull=not ours)
    follow = rows.filter(activity_id=ctx.object_id).first() if ctx.object_id else None
    if follow is None:
        follower, followee = _embedded_follow(ctx)
        follow = rows.filter(follower_uri=follower, followee_uri=followee).first() if follower else None
    return follow


def _our_follow(ctx: InboundContext) -> Follow:
    """The follow by one of our actors that an Accept or Reject answers (by id, else by pair)."""
    follow = _find_follow(ctx, ours=True)
    if follow is None:
        raise Ignored("no follow of ours matches")
    if follow.followee_uri != ctx.actor_uri:
        raise Refused(f"only {follow.followee_uri} can answer this follow, not {ctx.actor_uri}")
    return follow


def on_accept_follow(ctx: InboundContext) -> None:
    """Accept(Follow) of one of our follows, by the actor we follow."""
    follow = _our_follow(ctx)
    Follow.objects.filter(pk=follow.pk).update(state=Follow.State.ACCEPTED, updated=timezone.now())


def on_reject_follow(ctx: InboundContext) -> None:
    """Reject(Follow) of one of our follows (also: the remote actor removed us as a follower)."""
    follow = _our_follow(ctx)
    Follow.objects.filter(pk=follow.pk).update(state=Follow.State.REJECTED, updated=timezone.now())


def on_undo_follow(ctx: InboundContext) -> None:
    """Undo(Follow) of a local actor, by the follower only: the follow is removed."""
    follow = _find_follow(ctx, ours=False)
    if follow is None:
        raise Ignored("no follow matches")
    if follow.follower_uri != ctx.actor_uri:
        raise Refused(f"only {follow.follower_uri} can undo this follow, not {ctx.actor_uri}")
    follow.delete()


def on_update_actor(ctx: InboundContext) -> None:
    """Update of an actor, by itself: the cached RemoteActor takes the embedded document (or the
    document fetched again when only its URI is given)."""
    if ctx.object_id != ctx.actor_uri:
        raise Refused(f"only {ctx.object_id} can update itself")
    document = ctx.object
    if document is None or "inbox" not in document:  # a reference, not the actor document
        refresh_actor(ctx.actor_uri, ctx.budget)
        return
    current = ctx.remote_actor.key_id if ctx.remote_actor else None
    store_actor(document, current if current and find_key(document, current) else None)


def on_delete_actor(ctx: InboundContext) -> None:
    """Delete of an actor, by itself: marked deleted, its follows in both directions removed."""
    if ctx.object_id != ctx.actor_uri:
        raise Refused(f"only {ctx.object_id} can delete itself")
    with transaction.atomic():
        RemoteActor.objects.filter(uri=ctx.actor_uri).update(deleted_at=timezone.now())
        Follow.objects.filter(Q(follower_uri=ctx.actor_uri) | Q(followee_uri=ctx.actor_uri)).delete()


def on_block(ctx: InboundContext) -> None:
    """Block of a local actor by a remote one: follows in both directions are removed."""
    target = _local_target(ctx)
    Follow.objects.filter(
        Q(follower_uri=ctx.actor_uri, followee_uri=target.uri) | Q(follower_uri=target.uri, followee_uri=ctx.actor_uri)
    ).delete()


CORE_HANDLERS = {
    **{("Follow", kind): on_follow for kind in LOCAL_TYPES},
    **{("Block", kind): on_block for kind in LOCAL_TYPES},
    ("Accept", "Follow"): on_accept_follow,
    ("Reject", "Follow"): on_reject_follow,
    ("Undo", "Follow"): on_undo_follow,
    **{("Update", kind): on_update_actor for kind in sorted(ACTOR_TYPES)},
    **{("Delete", kind): on_delete_actor for kind in sorted(ACTOR_TYPES)},
}
"""Every (activity type, object type) pair the core handles, and its handler."""

for (activity_type, object_type), func in CORE_HANDLERS.items():
    registry.handler(activity_type, object_type)(func)
