"""Discovery: WebFinger (RFC 7033) for local actors and host-meta (RFC 6415).

Both are public in every mode: other servers need them to find actors and keys before they can
sign anything. Only local, not deleted actors are answered; this node never proxies lookups.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .. import render
from ..keys import INSTANCE_ACTOR_USERNAME, instance_actor
from ..models import Actor
from .actors import PREFIX_TYPES

JRD = "application/jrd+json; charset=utf-8"
XRD = "application/xrd+xml; charset=utf-8"
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
AS_TYPE = "https://www.w3.org/ns/activitystreams#type"
MAX_RESOURCE = 1000
_ACTOR_PATH = re.compile(r"^/(?P<prefix>users|groups|orgs|actors)/(?P<username>[^/]+)/?$")


class BadResource(ValueError):
    """The `resource` parameter is missing or not an acct: URI or http(s) URL."""


def local_domains() -> set[str]:
    """The authorities acct: URIs and URLs may name for this node: WEERBAAR_DOMAIN, and the bare
    host and host:port when the port is the scheme's default."""
    domains = {settings.WEERBAAR_DOMAIN.lower()}
    default_port = 443 if settings.WEERBAAR_SCHEME == "https" else 80
    if settings.WEERBAAR_PORT in (None, default_port):
        domains |= {settings.WEERBAAR_HOST, f"{settings.WEERBAAR_HOST}:{default_port}"}
    return domains


def _by_username(username: str) -> Actor | None:
    if username == INSTANCE_ACTOR_USERNAME:
        return instance_actor()
    return Actor.objects.filter(username=username, deleted_at__isnull=True).first()


def _by_uri(resource: str) -> Actor | None:
    parts = urlsplit(resource)
    if parts.scheme.lower() != settings.WEERBAAR_SCHEME or parts.netloc.lower() not in local_domains():
        return None
    match = _ACTOR_PATH.match(parts.path)
    if match is None:
        return None
    actor_type, username = PREFIX_TYPES[match["prefix"]], match["username"].lower()
    if actor_type == Actor.Type.APPLICATION and username == INSTANCE_ACTOR_USERNAME:
        return instance_actor()
    return Actor.objects.filter(type=actor_type, username=username, deleted_at__isnull=True).first()


def resolve_resource(resource: str) -> Actor | None:
    """The local actor a WebFinger resource names, or None. Raises BadResource when malformed.

    Accepted: acct:name@domain (also without "acct:" or with a leading "@"), and actor URIs.
    acct:weerbaarnl@domain and acct:domain@domain name the instance actor (Mastodon looks its own
    instance actor up the second way).
    """
    resource = resource.strip()
    if not resource or len(resource) > MAX_RESOURCE:
        raise BadResource(resource)
    if resource.lower().startswith(("http://", "https://")):
        return _by_uri(resource)
    handle = resource[5:] if resource.lower().startswith("acct:") else resource
    name, _, domain = handle.lstrip("@").rpartition("@")
    if not name or not domain or any(c.isspace() or c in "/?#" for c in handle):
        raise BadResource(resource)
    domains = local_domains()
    if domain.lower() not in domains:
        return None
    name = name.lower()
    return instance_actor() if name in domains else _by_username(name)


def _jrd(doc: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(doc, separators=(",", ":")), status=status, content_type=JRD)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def webfinger_document(actor: Actor) -> dict:
    """The JRD of a local actor: subject, aliases, and links to its AS2 document and HTML page."""
    uri = actor.uri
    page = render.html_url(actor)
    return {
        "subject": f"acct:{actor.username}@{settings.WEERBAAR_DOMAIN}",
        "aliases": list(dict.fromkeys([uri, page or uri])),
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": uri,
             "properties": {AS_TYPE: actor.type}},
            {"rel": PROFILE_PAGE, "type": "text/html", "href": page or uri},
        ],
    }


@require_safe
def webfinger(request: HttpRequest) -> HttpResponse:
    """GET /.well-known/webfinger?resource=acct:name@domain (or an actor URI)."""
    try:
        actor = resolve_resource(request.GET.get("resource", ""))
    except BadResource:
        return _jrd({"error": "resource must be acct:name@domain or an actor URL"}, status=400)
    if actor is None:
        return _jrd({"error": "no such local actor"}, status=404)
    return _jrd(webfinger_document(actor))


@require_safe
def host_meta(request: HttpRequest) -> HttpResponse:
    """The lrdd template pointing at WebFinger: XRD, or JSON (JRD) when the client asks for JSON."""
    template = f"{settings.WEERBAAR_URL}/.well-known/webfinger?resource={{uri}}"
    accept = request.headers.get("Accept", "").lower()
    if "json" in accept and "xml" not in accept:
        response = _jrd({"links": [{"rel": "lrdd", "template": template}]})
    else:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
            f'  <Link rel="lrdd" template={quoteattr(template)}/>\n'
            "</XRD>\n"
        )
        response = HttpResponse(body, content_type=XRD)
        response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Accept"
    return response
