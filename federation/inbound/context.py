"""The handler API: what an inbound activity handler receives and how it reports its outcome.

A handler is registered in `federation.registry` for an (activity type, object type) pair and
called as ``handler(ctx)`` with an `InboundContext`:

    from federation import registry
    from federation.inbound import Ignored, InboundContext, Refused

    @registry.handler("Create", object_type="Note")
    def on_create_note(ctx: InboundContext) -> None:
        note = ctx.object            # the embedded object (a dict), or None for a bare URI
        ...

Contract:
- The activity's signature has been verified, its actor is `ctx.actor_uri` (the key's owner),
  the activity id and every embedded object id passed the instance policy, and an Update or
  Delete only touches objects on the actor's own origin (and, when the object names its
  `attributedTo`, only the actor's own objects).
- The handler is called outside any database transaction: wrap the writes that belong together
  in ``transaction.atomic()``, and fetch remote documents (``ctx.fetch``) before writing, so no
  write lock is held during network I/O (SQLite takes the lock at BEGIN).
- Processing is at-least-once: an item whose worker died is processed again after its lease
  expires. Handlers must be idempotent (get_or_create, update by natural keys).
- Return normally when done (status "processed"). Raise `Ignored` when there is nothing to do
  (status "ignored"), `Refused` when the activity is not allowed — e.g. someone else's object
  (status "failed", nothing changed). A `federation.fetching.FetchError` that is transient
  (timeout, connection failure, 5xx) makes the worker retry later with backoff; any other
  exception marks the item failed and is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from ..fetching import FetchBudget
from ..models import Actor, InboxItem, RemoteActor


class Ignored(Exception):
    """Nothing to do for this activity (it is valid, but not for us or already done)."""


class Refused(Exception):
    """The activity is not allowed (wrong actor, someone else's object); nothing was changed."""


def id_of(value: Any) -> str | None:
    """The id of an object reference: the string itself, or the `id` of an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def ids_of(value: Any) -> list[str]:
    """Every id in a property that may hold one reference or a list of them (e.g. attributedTo)."""
    values = value if isinstance(value, list) else [value]
    return [ref for ref in (id_of(item) for item in values) if ref]


def origin(uri: str | None) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URI, default ports filled in; None otherwise."""
    if not isinstance(uri, str):
        return None
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or (443 if scheme == "https" else 80)


def local_actor(uri: str | None) -> Actor | None:
    """The local actor (deleted or not) whose id is `uri`, or None."""
    if not isinstance(uri, str) or not uri.startswith(settings.WEERBAAR_URL + "/"):
        return None
    path = uri[len(settings.WEERBAAR_URL):]
    for actor_type, prefix in Actor.PATH_PREFIX.items():
        if path.startswith(prefix) and "/" not in path[len(prefix):]:
            return Actor.objects.filter(type=actor_type, username=path[len(prefix):]).first()
    return None


def first_type(value: Any) -> str | None:
    """The `type` of an object: the string, or the first string of a list of types."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return next((item for item in value if isinstance(item, str)), None)
    return None


@dataclass
class InboundContext:
    """One verified inbound activity on its way through a handler.

    item: the stored InboxItem (status pending while the handler runs).
    activity: the activity as received (a dict; `actor` normalised to its id).
    actor_uri: the verified actor (the signing key's owner).
    remote_actor: the cached RemoteActor of that actor (None only for local actors).
    recipient: the local actor whose inbox it was posted to; None for the shared inbox.
    budget: the fetch budget of this activity (at most 20 remote fetches, verification included).
    """

    item: InboxItem
    activity: dict
    actor_uri: str
    remote_actor: RemoteActor | None
    recipient: Actor | None
    budget: FetchBudget = field(default_factory=FetchBudget)

    @property
    def type(self) -> str:
        return self.activity["type"]

    @property
    def object(self) -> dict | None:
        """The embedded object, or None when `object` is a bare URI (or missing)."""
        value = self.activity.get("object")
        return value if isinstance(value, dict) else None

    @property
    def object_id(self) -> str | None:
        return id_of(self.activity.get("object"))

    def fetch(self, url: str) -> dict:
        """Fetch a remote ActivityStreams document, signed as the instance actor, within budget."""
        from .remote import fetch_document

        return fetch_document(url, self.budget)
