"""Local actors following remote actors (outgoing follows).

Explicit states on the Follow row: pending (Follow sent) → accepted (their Accept arrived) or
rejected (their Reject arrived); unfollow sends Undo(Follow) and removes the row. Incoming
follows of local actors are handled in federation.inbound.follows.

Resolving a handle and fetching the actor is remote I/O: call these from the CLI or a worker
task, never inside a web request.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote

from django.conf import settings
from django.db import transaction

from . import fetching
from .delivery import publish
from .inbound.remote import fetch_document, store_actor
from .models import Actor, Follow, RemoteActor
from .policy import check_uri

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
HANDLE_RE = re.compile(r"^@?(?P<user>[^@\s/]+)@(?P<host>[^@\s/]+)$")


class FollowError(Exception):
    """The follow could not be made; the message says why."""


def _webfinger_scheme(host: str) -> str:
    """https, except for loopback/private test clusters where plain http is allowed."""
    if not settings.FEDERATION_ALLOW_PRIVATE:
        return "https"
    bare = host.rsplit(":", 1)[0].strip("[]")
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        return "http" if bare == "localhost" else "https"
    return "http"


def resolve_handle(handle: str, budget: fetching.FetchBudget | None = None) -> str:
    """The actor URI of `@user@host` via WebFinger (a URL is returned unchanged)."""
    if handle.startswith(("https://", "http://")):
        return handle
    match = HANDLE_RE.match(handle.strip())
    if not match:
        raise FollowError(f"{handle!r} is neither @user@host nor an actor URL")
    user, host = match["user"], match["host"].lower()
    url = f"{_webfinger_scheme(host)}://{host}/.well-known/webfinger?resource={quote(f'acct:{user}@{host}')}"
    try:
        jrd = fetching.fetch_node_json(url, accept="application/jrd+json, application/json", budget=budget)
    except fetching.FetchError as exc:
        raise FollowError(f"WebFinger for {handle} failed: {exc}") from exc
    for link in jrd.get("links") or []:
        if (isinstance(link, dict) and link.get("rel") == "self"
                and str(link.get("type", "")).split(";")[0].strip() in ("application/activity+json", "application/ld+json")
                and isinstance(link.get("href"), str)):
            return link["href"]
    raise FollowError(f"WebFinger for {handle} names no ActivityPub actor")


def remote_actor(target: str, budget: fetching.FetchBudget | None = None) -> RemoteActor:
    """Resolve and (re)fetch the remote actor behind a handle or URL; cached as RemoteActor."""
    budget = budget or fetching.FetchBudget()
    uri = resolve_handle(target, budget)
    try:
        check_uri(uri)
        return store_actor(fetch_document(uri, budget))
    except fetching.FetchError as exc:
        raise FollowError(f"fetching {uri} failed: {exc}") from exc
    except Exception as exc:  # DomainRefused, NotAnActor, KeyUnavailable: all mean "cannot follow"
        raise FollowError(f"{uri}: {exc}") from exc


def follow(local: Actor, target: str) -> Follow:
    """Make `local` follow the remote actor `target` (handle or URL): Follow row + Follow sent."""
    remote = remote_actor(target)
    if remote.uri.startswith(settings.WEERBAAR_URL + "/"):
        raise FollowError("following actors on this node itself is not supported here")
    with transaction.atomic():
        row, created = Follow.objects.select_for_update().get_or_create(
            follower_uri=local.uri, followee_uri=remote.uri, defaults={"follower": local},
        )
        if not created and row.state == Follow.State.ACCEPTED:
            return row
        activity = publish(local, {
            "@context": AS_CONTEXT, "type": "Follow", "actor": local.uri, "object": remote.uri,
            "to": [remote.uri],
        }, recipients=(remote.uri,))
        row.state = Follow.State.PENDING
        row.activity_id = activity.uri
        row.save()
    return row


def unfollow(local: Actor, target: str) -> bool:
    """Stop following: send Undo(Follow) and delete the row. False if there was no follow."""
    uri = target if target.startswith(("https://", "http://")) else resolve_handle(target)
    with transaction.atomic():
        row = Follow.objects.select_for_update().filter(follower=local, followee_uri=uri).first()
        if row is None:
            return False
        original = {"type": "Follow", "actor": local.uri, "object": uri}
        if row.activity_id:
            original["id"] = row.activity_id
        publish(local, {"@context": AS_CONTEXT, "type": "Undo", "actor": local.uri, "object": original,
                        "to": [uri]}, recipients=(uri,))
        row.delete()
    return True
