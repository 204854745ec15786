"""Local actors as ActivityPub documents, their outbox/followers/following collections, and
published activities.

Content negotiation on actor URIs: requests accepting application/activity+json or
application/ld+json get JSON; others (browsers) are redirected to the actor's HTML page when a
package registered one. In secure mode (settings.FEDERATION_AUTHORIZED_FETCH) JSON answers need
an HTTP signature (see federation.access), except the instance actor's document.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from .. import render
from ..access import (
    AccessDenied,
    SignatureRequired,
    UnknownKey,
    authorized_fetch_denial,
    denied_response,
    verify_signed_request,
)
from ..keys import INSTANCE_ACTOR_USERNAME, instance_actor
from ..models import Activity, Actor, Follow, Tombstone

PREFIX_TYPES = {
    "users": Actor.Type.PERSON,
    "groups": Actor.Type.GROUP,
    "orgs": Actor.Type.ORGANIZATION,
    "actors": Actor.Type.APPLICATION,
}
JSON_TYPES = ("application/activity+json", "application/ld+json")
MAX_PAGE = 1_000_000


def wants_activity_json(request: HttpRequest) -> bool:
    """Does the client accept ActivityStreams JSON (with or without a profile parameter)?"""
    accept = request.headers.get("Accept", "").lower()
    return any(media_type in accept for media_type in JSON_TYPES)


def _find_actor(prefix: str, username: str, *, with_keys: bool = False) -> Actor | None:
    """The local actor at /<prefix>/<username>, deleted or not; None when the type does not match."""
    actor_type = PREFIX_TYPES.get(prefix)
    queryset = Actor.objects.filter(type=actor_type, username=username)
    if with_keys:
        queryset = queryset.prefetch_related("keys")
    actor = queryset.first()
    if actor is None and actor_type == Actor.Type.APPLICATION and username == INSTANCE_ACTOR_USERNAME:
        actor = instance_actor()  # created on first use, as NodeInfo and WebFinger link to it
    return actor


def _not_found(detail: str = "not found") -> JsonResponse:
    return JsonResponse({"error": "not_found", "detail": detail}, status=404)


def _vary_accept(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["Accept"])
    return response


@require_safe
def actor_detail(request: HttpRequest, prefix: str, username: str) -> HttpResponse:
    """The actor document; 302 to the HTML page for browsers; 410 Tombstone once deleted."""
    actor = _find_actor(prefix, username, with_keys=True)
    if actor is None:
        uri = f"{settings.WEERBAAR_URL}/{prefix}/{username}"
        tombstone = Tombstone.objects.filter(uri=uri).first()
        if tombstone is not None:
            return _vary_accept(render.activity_json_response(tombstone.as_activitystreams(), status=410))
        return _vary_accept(_not_found("no such actor"))
    if actor.deleted_at is not None:
        return _vary_accept(render.activity_json_response(render.actor_tombstone(actor), status=410))
    if not wants_activity_json(request):
        page = render.html_url(actor)
        if page:
            return _vary_accept(HttpResponseRedirect(page))
    if actor.type != Actor.Type.APPLICATION and settings.FEDERATION_AUTHORIZED_FETCH:
        try:
            request.federation_requester = verify_signed_request(request)
        except (SignatureRequired, UnknownKey):
            # Servers fetch our key to verify what we send them, often signing that GET with an
            # instance actor we have never seen (no remote I/O here to learn its key). They get
            # the minimal document that carries the keys, as Mastodon does in secure mode.
            return _vary_accept(render.activity_json_response(render.minimal_actor_document(actor)))
        except AccessDenied as denied:
            return _vary_accept(denied_response(denied))
    return _vary_accept(render.activity_json_response(render.actor_document(actor)))


def _page_number(request: HttpRequest) -> int | None:
    """The requested page (1-based), None for the collection itself; ValueError when malformed."""
    raw = request.GET.get("page")
    if raw is None:
        return None
    page = int(raw) if raw.isdigit() else 0
    if not 1 <= page <= MAX_PAGE:
        raise ValueError(raw)
    return page


def _collection(request: HttpRequest, prefix: str, username: str, name: str) -> HttpResponse:
    """A paged OrderedCollection of the actor: outbox, followers or following."""
    denial = authorized_fetch_denial(request)
    if denial is not None:
        return denial
    actor = _find_actor(prefix, username)
    if actor is None or actor.deleted_at is not None:
        return _not_found("no such actor")
    try:
        page = _page_number(request)
    except ValueError:
        return JsonResponse({"error": "bad_request", "detail": "page must be a positive integer"}, status=400)
    if name == "outbox":
        rows = Activity.objects.filter(actor=actor, public=True).values_list("payload", flat=True)
    elif name == "followers":
        rows = Follow.objects.filter(followee=actor, state=Follow.State.ACCEPTED).values_list("follower_uri", flat=True)
    else:
        rows = Follow.objects.filter(follower=actor, state=Follow.State.ACCEPTED).values_list("followee_uri", flat=True)
    rows = rows.order_by("-created", "-id")
    collection_id = f"{actor.uri}/{name}"
    hidden = name != "outbox" and actor.hide_collections
    if page is None:
        return render.activity_json_response(render.collection_root(collection_id, rows.count(), hidden=hidden))
    if hidden:
        return JsonResponse({"error": "forbidden", "detail": "this actor hides this list"}, status=403)
    start = (page - 1) * render.PAGE_SIZE
    items = list(rows[start:start + render.PAGE_SIZE + 1])  # one extra row tells whether a next page exists
    has_next = len(items) > render.PAGE_SIZE
    items = items[:render.PAGE_SIZE]
    if name == "outbox":
        items = render.embedded(items)
    return render.activity_json_response(render.collection_page(collection_id, page, items, has_next))


@require_safe
def outbox(request: HttpRequest, prefix: str, username: str) -> HttpResponse:
    """The actor's public activities, newest first."""
    return _collection(request, prefix, username, "outbox")


@require_safe
def followers(request: HttpRequest, prefix: str, username: str) -> HttpResponse:
    """Accepted followers of the actor (URIs), newest first; only the count when hidden."""
    return _collection(request, prefix, username, "followers")


@require_safe
def following(request: HttpRequest, prefix: str, username: str) -> HttpResponse:
    """Actors the actor follows (accepted follows, URIs), newest first; only the count when hidden."""
    return _collection(request, prefix, username, "following")


@require_safe
def activity_detail(request: HttpRequest, uuid) -> HttpResponse:
    """A public activity as published; 410 Tombstone once deleted; 404 when unknown or not public."""
    denial = authorized_fetch_denial(request)
    if denial is not None:
        return denial
    uri = f"{settings.WEERBAAR_URL}/activities/{uuid}"
    tombstone = Tombstone.objects.filter(uri=uri).first()
    if tombstone is not None:
        return render.activity_json_response(tombstone.as_activitystreams(), status=410)
    payload = Activity.objects.filter(uuid=uuid, public=True).values_list("payload", flat=True).first()
    if payload is None:
        return _not_found("no such public activity")
    return render.activity_json_response(payload)
