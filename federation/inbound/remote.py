"""Remote actors and their keys: fetched by the worker (never during a request), cached in RemoteActor.

Every fetch goes through `federation.fetching` (SSRF checks, size and time limits, the fetched
document's id must equal its URL), is signed as the instance actor (servers in secure mode
answer only signed GETs) and is charged to the fetch budget of the activity that caused it.

A key is accepted for an actor only when the actor's own document publishes it (`publicKey`
with that id and owner, or a FEP-521a `assertionMethod` Multikey it controls), or when the key
document at the keyId names that actor as its `owner` — and the key is on the actor's origin.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urldefrag

from django.db import transaction
from django.utils import timezone

from .. import fetching, keys
from ..crypto import (
    SignatureError,
    ed25519_public_key_from_multibase,
    load_public_key,
    public_key_to_pem,
)
from ..models import ActorKey, RemoteActor
from ..policy import domain_of
from .context import first_type, local_actor, origin

ACTOR_TYPES = frozenset({"Person", "Group", "Organization", "Application", "Service"})
KEY_REFRESH_INTERVAL = timedelta(minutes=5)
URL_MAX = 500


class KeyUnavailable(Exception):
    """The actor's documents do not publish this key as the actor's own (or not a usable one)."""


class NotAnActor(Exception):
    """The fetched document is not an actor."""


def fetch_document(url: str, budget: fetching.FetchBudget) -> dict:
    """Fetch an ActivityStreams document, signed as the instance actor, within `budget`."""
    return fetching.fetch_document(url, signer=keys.instance_signer(), budget=budget)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _url(value) -> str:
    """An http(s) URL from a property that may be a string, a Link object or a list of those."""
    for item in _as_list(value):
        candidate = item.get("href") if isinstance(item, dict) else item
        if isinstance(candidate, str) and domain_of(candidate) and len(candidate) <= URL_MAX:
            return candidate
    return ""


def find_key(document: dict, key_id: str) -> str | None:
    """The public key PEM with id `key_id` that `document` (an actor) publishes as its own."""
    owner = document.get("id")
    for key in _as_list(document.get("publicKey")):
        if (isinstance(key, dict) and key.get("id") == key_id and key.get("owner", owner) == owner
                and isinstance(key.get("publicKeyPem"), str)):
            return key["publicKeyPem"]
    for method in _as_list(document.get("assertionMethod")):
        if (isinstance(method, dict) and method.get("id") == key_id and method.get("controller") == owner
                and isinstance(method.get("publicKeyMultibase"), str)):
            try:
                return public_key_to_pem(ed25519_public_key_from_multibase(method["publicKeyMultibase"]))
            except (SignatureError, ValueError):
                return None
    return None


def main_key_id(document: dict) -> str | None:
    """The id of the actor's first `publicKey` (its RSA main key for Mastodon-compatible servers)."""
    for key in _as_list(document.get("publicKey")):
        if isinstance(key, dict) and isinstance(key.get("id"), str):
            return key["id"]
    return None


def actor_fields(document: dict) -> dict:
    """The RemoteActor fields of an actor document. Raises NotAnActor."""
    actor_type = first_type(document.get("type"))
    uri = document.get("id")
    if actor_type not in ACTOR_TYPES or not isinstance(uri, str) or not domain_of(uri) or len(uri) > URL_MAX:
        raise NotAnActor(f"{str(uri)[:200]} is a {actor_type!r}, not an actor")
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    name = document.get("name")
    username = document.get("preferredUsername")
    return {
        "uri": uri,
        "domain": domain_of(uri),
        "type": actor_type[:30],
        "username": username[:200] if isinstance(username, str) else "",
        "name": name[:500] if isinstance(name, str) else "",
        "inbox": _url(document.get("inbox")),
        "shared_inbox": _url(endpoints.get("sharedInbox") or document.get("sharedInbox")),
        "outbox": _url(document.get("outbox")),
        "followers": _url(document.get("followers")),
        "url": _url(document.get("url")),
        "manually_approves_followers": document.get("manuallyApprovesFollowers") is True,
    }


def store_actor(document: dict, key_id: str | None = None) -> RemoteActor:
    """Create or update the RemoteActor of an actor document with its key `key_id` (default: its
    main key; a document without any key leaves the cached key as it is).

    Raises NotAnActor, or KeyUnavailable when the document does not publish the key as its own.
    """
    fields = actor_fields(document)
    uri = fields.pop("uri")
    key_id = key_id or main_key_id(document)
    if key_id:
        pem = find_key(document, key_id)
        if pem is None or origin(key_id) != origin(uri) or len(key_id) > URL_MAX:
            raise KeyUnavailable(f"{uri} does not publish key {key_id} as its own")
        try:
            load_public_key(pem)
        except SignatureError as exc:
            raise KeyUnavailable(f"key {key_id} of {uri} does not load: {exc.detail}") from exc
        fields.update(key_id=key_id, public_key_pem=pem)
    fields.update(document=document, fetched_at=timezone.now(), deleted_at=None)
    with transaction.atomic():
        actor, _created = RemoteActor.objects.update_or_create(uri=uri, defaults=fields)
    return actor


def _key_from_key_document(key_document: dict, key_id: str, actor_uri: str) -> str | None:
    """The PEM of a key fetched at its own URL: a Key object, or an actor stub carrying it."""
    if key_document.get("owner") == actor_uri and isinstance(key_document.get("publicKeyPem"), str):
        return key_document["publicKeyPem"]
    if key_document.get("id") == actor_uri:
        return find_key(key_document, key_id)
    return None


def resolve_key(key_id: str, actor_uri: str, budget: fetching.FetchBudget) -> RemoteActor:
    """Fetch `actor_uri` and cache it with the key `key_id`, which it must own.

    Raises FetchError (network, HTTP, id mismatch...), NotAnActor or KeyUnavailable.
    """
    if origin(key_id) is None or origin(key_id) != origin(actor_uri):
        raise KeyUnavailable(f"key {key_id} is not on the origin of {actor_uri}")
    document = fetch_document(actor_uri, budget)
    actor_fields(document)
    if find_key(document, key_id) is None:
        key_url = urldefrag(key_id)[0]
        if key_url == urldefrag(actor_uri)[0]:
            raise KeyUnavailable(f"{actor_uri} does not publish key {key_id}")
        pem = _key_from_key_document(fetch_document(key_url, budget), key_id, actor_uri)
        if pem is None:
            raise KeyUnavailable(f"the key document {key_url} is not owned by {actor_uri}")
        # The actor publishes this key only at its own URL (GoToSocial-style): record it there.
        document = {**document, "publicKey": {"id": key_id, "owner": actor_uri, "publicKeyPem": pem}}
    return store_actor(document, key_id)


def refresh_actor(uri: str, budget: fetching.FetchBudget | None = None) -> RemoteActor:
    """Fetch a cached actor again (its key may have changed); keeps the key id it had if still published."""
    document = fetch_document(uri, budget or fetching.FetchBudget())
    current = RemoteActor.objects.filter(uri=uri).values_list("key_id", flat=True).first()
    key_id = current if current and find_key(document, current) else None
    return store_actor(document, key_id)


def schedule_key_refresh(actor_uri: str) -> bool:
    """Have the worker refetch this actor's key, at most once per 5 minutes per actor."""
    from .tasks import refresh_remote_key

    now = timezone.now()
    due = RemoteActor.objects.filter(uri=actor_uri).exclude(key_refreshed_at__gt=now - KEY_REFRESH_INTERVAL)
    if not due.update(key_refreshed_at=now):
        return False
    transaction.on_commit(lambda: refresh_remote_key.delay(actor_uri))
    return True


def local_key(key_id: str) -> tuple[str, str] | None:
    """(owner URI, public PEM) of a key of a live local actor, by key id; None if there is none."""
    actor_uri, _, fragment = key_id.partition("#")
    kinds = [kind for kind, name in ActorKey.FRAGMENT.items() if name == fragment]
    actor = local_actor(actor_uri)
    if not kinds or actor is None or actor.deleted_at is not None:
        return None
    pem = ActorKey.objects.filter(actor=actor, kind=kinds[0]).values_list("public_pem", flat=True).first()
    return (actor.uri, pem) if pem else None

