"""Follow requests to local actors: receive them, and approve or reject the ones that wait.

A Follow of an actor that does not approve followers manually is accepted at once and answered
with Accept(Follow). One that needs approval stays `pending` — no follower, nothing sent — until
someone with the right to decide calls `approve(follow)` (Accept) or `reject(follow)` (Reject).
The Follow row is the truth; the answers go out through federation.delivery.
"""

from __future__ import annotations

import logging

from django.db import transaction

from ..models import Actor, Follow
from .context import local_actor

logger = logging.getLogger(__name__)

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"


class NotPending(Exception):
    """approve/reject was called for a follow that is not a pending follow of a local actor."""


def follow_object(follow: Follow) -> dict:
    """The Follow being answered, embedded the way Mastodon expects it in Accept/Reject."""
    obj = {"type": "Follow", "actor": follow.follower_uri, "object": follow.followee_uri}
    return {"id": follow.activity_id, **obj} if follow.activity_id else obj


def _answer(follow: Follow, kind: str) -> None:
    """Send Accept or Reject of `follow` from its (local) followee to the follower."""
    from ..delivery import publish

    activity = {
        "@context": AS_CONTEXT, "type": kind, "actor": follow.followee.uri,
        "object": follow_object(follow), "to": [follow.follower_uri],
    }
    publish(follow.followee, activity, recipients=(follow.follower_uri,))


def receive_follow(follower_uri: str, followee: Actor, activity_id: str) -> Follow:
    """Record a Follow of a local actor; accept it at once unless the actor approves manually.

    A repeated Follow (the follower lost its state) is answered again if it was accepted; a
    Follow after a rejection waits for approval again.
    """
    with transaction.atomic():
        follow, created = Follow.objects.select_for_update().get_or_create(
            follower_uri=follower_uri, followee_uri=followee.uri,
            defaults={"followee": followee, "follower": local_actor(follower_uri), "activity_id": activity_id},
        )
        if not created:
            follow.activity_id = activity_id
            follow.followee = followee
            if follow.state == Follow.State.REJECTED:
                follow.state = Follow.State.PENDING
        if follow.state == Follow.State.PENDING and not followee.manually_approves_followers:
            follow.state = Follow.State.ACCEPTED
        follow.save()
        if follow.state == Follow.State.ACCEPTED:
            _answer(follow, "Accept")
    logger.info("follow %s → %s: %s", follower_uri, followee.uri, follow.state)
    return follow


def _decide(follow: Follow, state: str, kind: str) -> Follow:
    with transaction.atomic():
        locked = Follow.objects.select_for_update().filter(pk=follow.pk).first()
        if locked is None or locked.followee is None or locked.state != Follow.State.PENDING:
            raise NotPending(f"{follow} is not a pending follow of a local actor")
        locked.state = state
        locked.save(update_fields=["state", "updated"])
        _answer(locked, kind)
    return locked


def approve(follow: Follow) -> Follow:
    """Accept a pending Follow of a local actor: the follower is now a follower; Accept is sent."""
    return _decide(follow, Follow.State.ACCEPTED, "Accept")


def reject(follow: Follow) -> Follow:
    """Reject a pending Follow of a local actor: it never becomes a follower; Reject is sent."""
    return _decide(follow, Follow.State.REJECTED, "Reject")
