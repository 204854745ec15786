"""ActivityStreams 2.0 JSON of local actors and their collections, built as plain dicts.

No JSON-LD processing and no toolkit: documents are written in the compacted form Mastodon
publishes, so rendering an actor costs two queries (the actor and its keys) and no remote I/O.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape

from django.conf import settings
from django.http import HttpResponse

from . import registry
from .crypto import ed25519_public_key_to_multibase
from .keys import ensure_key
from .models import Actor, ActorKey

ACTIVITY_JSON = "application/activity+json; charset=utf-8"
PAGE_SIZE = 50

# The terms Mastodon puts in its inline context, plus FEP-521a's assertionMethod (defined by the
# Data Integrity context, which we do not reference as a whole).
ACTOR_CONTEXT: list = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    "https://w3id.org/security/multikey/v1",
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "toot": "http://joinmastodon.org/ns#",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "memorial": "toot:memorial",
        "suspended": "toot:suspended",
        "assertionMethod": {"@id": "https://w3id.org/security#assertionMethod", "@type": "@id",
                            "@container": "@set"},
    },
]
COLLECTION_CONTEXT = "https://www.w3.org/ns/activitystreams"

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n+")


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second, as Mastodon writes `published`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, blank lines separate <p> paragraphs, single newlines are <br>."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = _PARAGRAPH_BREAK.split(text)
    return "".join(f"<p>{escape(p.strip()).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def absolute(url: str) -> str:
    """A root-relative URL made absolute on WEERBAAR_URL; absolute URLs are returned unchanged."""
    return f"{settings.WEERBAAR_URL}{url}" if url.startswith("/") else url


def html_url(actor: Actor) -> str | None:
    """Absolute URL of the actor's HTML page, when a package registered one for its type."""
    url = registry.profile_url(actor)
    return absolute(url) if url else None


def actor_keys(actor: Actor) -> dict[str, ActorKey]:
    """The actor's RSA and Ed25519 keys by kind, generated when missing.

    Uses `actor.keys` prefetched by the caller (one query for all kinds) when available.
    """
    keys = {key.kind: key for key in actor.keys.all()}
    for kind in (ActorKey.Kind.RSA, ActorKey.Kind.ED25519):
        if kind not in keys:
            keys[kind] = ensure_key(actor, kind)
        keys[kind].actor = actor  # key_id reads actor.uri: no query back to the actor
    return keys


def actor_document(actor: Actor) -> dict:
    """The AS2 document of a local, not deleted actor (Person, Group, Organization, Application)."""
    uri = actor.uri
    keys = actor_keys(actor)
    rsa_key, ed_key = keys[ActorKey.Kind.RSA], keys[ActorKey.Kind.ED25519]
    doc: dict = {
        "@context": ACTOR_CONTEXT,
        "id": uri,
        "type": actor.type,
        "preferredUsername": actor.username,
        "name": actor.name,
        "summary": text_to_html(actor.summary),
        "url": html_url(actor) or uri,
        "published": iso(actor.created),
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "followers": f"{uri}/followers",
        "following": f"{uri}/following",
        "endpoints": {"sharedInbox": f"{settings.WEERBAAR_URL}/inbox"},
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        "discoverable": actor.discoverable,
        "indexable": actor.indexable,
        "publicKey": {"id": rsa_key.key_id, "owner": uri, "publicKeyPem": rsa_key.public_pem},
        "assertionMethod": [
            {
                "id": ed_key.key_id,
                "type": "Multikey",
                "controller": uri,
                "publicKeyMultibase": ed25519_public_key_to_multibase(ed_key.public_pem),
            }
        ],
    }
    if actor.icon_url:
        icon = {"type": "Image", "url": actor.icon_url}
        media_type = mimetypes.guess_type(actor.icon_url.split("?", 1)[0])[0]
        if media_type and media_type.startswith("image/"):
            icon["mediaType"] = media_type
        doc["icon"] = icon
    return doc


# What a minimal actor document keeps: enough to verify the actor's signatures and reply to it.
MINIMAL_ACTOR_FIELDS = ("@context", "id", "type", "preferredUsername", "inbox", "outbox", "endpoints",
                        "publicKey", "assertionMethod")


def minimal_actor_document(actor: Actor) -> dict:
    """The actor document without profile or collections: served in secure mode to GETs that are
    unsigned or signed by a key we do not know yet (so others can fetch our keys)."""
    full = actor_document(actor)
    return {field: full[field] for field in MINIMAL_ACTOR_FIELDS}


def actor_tombstone(actor: Actor) -> dict:
    """What a deleted actor's URI answers (with 410 Gone)."""
    return {
        "@context": COLLECTION_CONTEXT,
        "id": actor.uri,
        "type": "Tombstone",
        "formerType": actor.type,
        "deleted": iso(actor.deleted_at),
    }


def collection_root(collection_id: str, total: int, *, hidden: bool = False) -> dict:
    """An OrderedCollection without items; `first` links to page 1 unless the list is hidden."""
    doc: dict = {
        "@context": COLLECTION_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if not hidden:
        doc["first"] = f"{collection_id}?page=1"
    return doc


def collection_page(collection_id: str, page: int, items: Sequence, has_next: bool) -> dict:
    """One OrderedCollectionPage (pages count from 1)."""
    doc: dict = {
        "@context": COLLECTION_CONTEXT,
        "id": f"{collection_id}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": list(items),
    }
    if has_next:
        doc["next"] = f"{collection_id}?page={page + 1}"
    if page > 1:
        doc["prev"] = f"{collection_id}?page={page - 1}"
    return doc


def embedded(payloads: Iterable[dict]) -> list[dict]:
    """Activity payloads for embedding in a page: their own @context is left to the page's."""
    return [{k: v for k, v in payload.items() if k != "@context"} for payload in payloads]


def activity_json_response(doc: dict, status: int = 200) -> HttpResponse:
    """`doc` serialized as application/activity+json."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode("utf-8"), status=status, content_type=ACTIVITY_JSON)
