"""Inboxes: the shared inbox and one per local actor. POST only.

GET (or any other method) of an inbox answers 405: inboxes are not readable here (C2S is not
offered). The request path is in federation.inbound.receive: checks, store once, 202, and no
remote I/O; the worker processes what was stored.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ..inbound.receive import Rejected, receive
from ..models import Actor

logger = logging.getLogger(__name__)

PREFIX_TYPES = {prefix.strip("/"): actor_type for actor_type, prefix in Actor.PATH_PREFIX.items()}


def _inbox(request: HttpRequest, recipient: Actor | None) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        accepted = receive(request, recipient)
    except Rejected as rejected:
        logger.info("inbox %s refused (%d %s): %s", request.path, rejected.status, rejected.reason, rejected.detail)
        response = JsonResponse({"error": rejected.reason, "detail": rejected.detail}, status=rejected.status)
        if rejected.status == 401:
            response["WWW-Authenticate"] = (
                f'Signature realm="{settings.WEERBAAR_DOMAIN}",headers="(request-target) host date digest"'
            )
        return response
    logger.debug("inbox %s: %s", request.path, accepted.reason)
    return HttpResponse(status=202)


@csrf_exempt
def shared_inbox(request: HttpRequest) -> HttpResponse:
    """The node's shared inbox (`endpoints.sharedInbox` of every local actor)."""
    return _inbox(request, None)


@csrf_exempt
def actor_inbox(request: HttpRequest, prefix: str, username: str) -> HttpResponse:
    """The inbox of one live local actor; 404 for an unknown or deleted actor or a wrong prefix."""
    actor = Actor.objects.filter(type=PREFIX_TYPES.get(prefix), username=username, deleted_at__isnull=True).first()
    if actor is None:
        return JsonResponse({"error": "not_found"}, status=404)
    return _inbox(request, actor)
