"""The inbox request path: check a POSTed activity, store it once, answer 202. No remote I/O.

Checks, in this order; each failure answers with its status and stores nothing:

1. Size: a Content-Length over FEDERATION_MAX_BODY is refused before reading, and the body is
   read capped at MAX+1 bytes (413).
2. Signature present and parseable: draft-cavage `Signature` or RFC 9421 `Signature-Input` +
   `Signature` (401).
3. Without the key: the signed Digest / Content-Digest is recomputed over the body, and the signed
   Date / `created` must lie within FEDERATION_SIGNATURE_WINDOW (401). These run before any key
   lookup, so they hold for requests signed with keys we do not know yet.
4. JSON: bounded depth (32) and array length (500), an object with string `id`, `type` and
   `actor` (an embedded actor is normalised to its id) (400).
5. Origins: the activity id on its actor's origin (400); the keyId on the actor's origin (401);
   a remote actor URL the fetcher would refuse (private address, plain http in production) (400).
6. Instance policy on the key's host, the actor's host and every embedded object's origin, down
   through `object` (also inside an Announce) (403).
7. Update / Delete of an object on another origin than the actor's (403).
8. Duplicate activity id: 202, nothing changed.
9. The key. Cached (RemoteActor) or local: the signature is verified now (401; a failure also
   schedules a background refetch of the key, at most once per 5 minutes per actor) and the key's
   owner must be the activity's actor (401); the item is stored `pending` and queued for the worker
   when the transaction commits. Not cached: the item is stored `unverified`, with the method, URL,
   signature-relevant headers and body, and queued.

Unknown keys are held, not processed, until verified: the worker fetches the actor (a signed GET
as the instance actor, within the activity's fetch budget), checks that it owns the key, caches
it and verifies the held request as it was received; if any of that fails the item is deleted and
nothing of it is processed. The request itself never waits for another server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .. import fetching
from ..access import UnknownKey, lookup_key, signed_url
from ..crypto import (
    InsufficientCoverage,
    MalformedSignature,
    MissingSignature,
    Scheme,
    SignatureError,
    detect_scheme,
    verify_request,
)
from ..crypto import cavage, rfc9421
from ..crypto.digest import check_body_digest
from ..crypto.message import HeaderFields, check_expiry, check_freshness, from_timestamp, parse_http_date, utc_now
from ..models import Actor, InboxItem
from ..policy import DomainRefused, check_domain, domain_of
from .context import id_of, ids_of, origin
from .remote import local_key, schedule_key_refresh

MAX_EMBEDDED = 1000  # objects walked for the policy check (arrays are capped at 500 by the parser)
READ_CHUNK = 64 * 1024


class Rejected(Exception):
    """The request is refused with `status`; `reason` is a stable code, `detail` for people."""

    def __init__(self, status: int, reason: str, detail: str = "") -> None:
        super().__init__(f"{status} {reason}: {detail}")
        self.status = status
        self.reason = reason
        self.detail = detail or reason


@dataclass(frozen=True)
class Accepted:
    """The request was accepted (202). `item` is the stored InboxItem, None for a duplicate."""

    reason: str
    item: InboxItem | None = None


@dataclass(frozen=True)
class SignatureClaim:
    """What a signature says before its key is known: key id and the header fields it covers."""

    scheme: Scheme
    key_id: str
    headers: tuple[str, ...]


def read_body(request: HttpRequest, limit: int) -> bytes:
    """The request body, read in chunks and never more than limit+1 bytes. Raises Rejected(413)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.strip():
        try:
            length = int(declared)
        except ValueError:
            raise Rejected(400, "bad_content_length", f"Content-Length {declared[:40]!r}") from None
        if length > limit:
            raise Rejected(413, "body_too_large", f"{length} bytes; at most {limit}")
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = request.read(min(READ_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise Rejected(413, "body_too_large", f"more than {limit} bytes")
    return b"".join(chunks)


def check_signature_claim(headers, body: bytes, *, now: datetime | None = None,
                          window: float | None = None) -> SignatureClaim:
    """The checks that need no key: the signature parses, covers a fresh Date or `created`, and
    the signed Digest / Content-Digest matches `body`. Raises a SignatureError subclass."""
    window = settings.FEDERATION_SIGNATURE_WINDOW if window is None else window
    moment = utc_now(now)
    fields = HeaderFields(headers)
    scheme = detect_scheme(headers)
    if scheme is Scheme.RFC9421:
        parsed = rfc9421.parse_signature(fields)
        if not parsed.key_id:
            raise MalformedSignature("the signature has no keyid parameter")
        if parsed.created is None:
            raise InsufficientCoverage("the signature has no created parameter")
        check_freshness("created", from_timestamp(parsed.created), moment, window)
        check_expiry(from_timestamp(parsed.expires) if parsed.expires is not None else None, moment)
        covered = tuple(name for name in parsed.components if not name.startswith("@"))
        check_body_digest(fields, body, covered, required=True)
        return SignatureClaim(scheme, parsed.key_id, covered + ("signature-input", "signature"))
    value = cavage.signature_header(fields)
    if value is None:
        raise MissingSignature("the request is not signed")
    parsed = cavage.parse_signature_header(value)
    if "date" not in parsed.headers and "(created)" not in parsed.headers:
        raise InsufficientCoverage("the signature covers neither date nor (created)")
    if "(created)" in parsed.headers:
        if parsed.created is None:
            raise MalformedSignature("(created) is signed but the created parameter is missing")
        check_freshness("created", from_timestamp(parsed.created), moment, window)
    if "date" in parsed.headers:
        date = fields.get("date")
        if date is None:
            raise MalformedSignature("the signed Date header is absent")
        check_freshness("Date", parse_http_date(date), moment, window)
    check_expiry(from_timestamp(parsed.expires) if parsed.expires is not None else None, moment)
    check_body_digest(fields, body, parsed.headers, required=True)
    covered = tuple(name for name in parsed.headers if not name.startswith("("))
    carrier = "signature" if fields.get("signature") is not None else "authorization"
    return SignatureClaim(scheme, parsed.key_id, covered + (carrier,))


def parse_activity(body: bytes) -> dict:
    """The activity as a dict with string id, type and actor (an embedded actor becomes its id)."""
    try:
        activity = fetching.parse_json(body, max_depth=32, max_items=500)
    except fetching.BadJson as exc:
        raise Rejected(400, "bad_json", str(exc)) from None
    if not isinstance(activity, dict):
        raise Rejected(400, "not_an_object", "an activity must be a JSON object")
    actor = id_of(activity.get("actor"))
    for name, value in (("id", activity.get("id")), ("type", activity.get("type")), ("actor", actor)):
        if not isinstance(value, str) or not value:
            raise Rejected(400, "missing_field", f"the activity needs a string {name!r}")
    if origin(activity["id"]) is None or origin(actor) is None:
        raise Rejected(400, "bad_id", "id and actor must be absolute http(s) URIs")
    if len(activity["id"]) > 500 or len(actor) > 500 or len(activity["type"]) > 40:
        raise Rejected(400, "too_long", "id, actor or type is too long")
    activity["actor"] = actor
    return activity


def embedded_domains(activity: dict) -> set[str]:
    """The origins of every object reachable through `object` (nested activities included),
    with the actors and authors those objects name."""
    domains: set[str] = set()
    stack = [activity.get("object")]
    seen = 0
    while stack and seen < MAX_EMBEDDED:
        value = stack.pop()
        seen += 1
        if isinstance(value, list):
            stack.extend(value)
            continue
        ref = id_of(value)
        if ref:
            domains.add(domain_of(ref))
        if isinstance(value, dict):
            domains.update(domain_of(ref) for ref in ids_of(value.get("actor")) + ids_of(value.get("attributedTo")))
            stack.append(value.get("object"))
    if stack:
        raise Rejected(400, "too_many_objects", f"more than {MAX_EMBEDDED} embedded objects")
    domains.discard("")  # references that are not http(s) URIs name no server
    return domains


def check_policy(key_id: str, activity: dict) -> None:
    """Instance policy on every origin involved. Raises Rejected(403)."""
    domains = {domain_of(key_id), domain_of(activity["actor"]), *embedded_domains(activity)}
    for domain in sorted(domains):
        try:
            check_domain(domain)
        except DomainRefused as refused:
            raise Rejected(403, "domain_refused", str(refused)) from None


def check_own_object(activity: dict) -> None:
    """An Update or Delete may only concern objects on its actor's origin. Raises Rejected."""
    if activity["type"] not in ("Update", "Delete"):
        return
    target = id_of(activity.get("object"))
    if target is None:
        raise Rejected(400, "missing_object", f"{activity['type']} needs an object with an id")
    if origin(target) != origin(activity["actor"]):
        raise Rejected(403, "not_owner", f"{activity['actor']} cannot {activity['type']} {target}")


def _known_key(key_id: str) -> tuple[str, object] | None:
    """(owner, public key) of a local key or a cached remote one; None when the key is unknown."""
    if domain_of(key_id) == settings.WEERBAAR_DOMAIN:
        local = local_key(key_id)
        if local is None:
            raise Rejected(401, "unknown_local_key", f"{key_id} is not a key of this node")
        return local
    try:
        return lookup_key(key_id)
    except UnknownKey:
        return None
    except SignatureError as exc:
        raise Rejected(401, exc.reason, exc.detail) from None


def _store(activity: dict, key_id: str, recipient: Actor | None, **fields) -> InboxItem | None:
    """Store the item and queue it once the transaction commits; None when it already exists."""
    from .tasks import process_inbox_item

    try:
        with transaction.atomic():
            item = InboxItem.objects.create(
                activity_id=activity["id"], type=activity["type"], actor_uri=activity["actor"],
                key_id=key_id[:500], recipient=recipient, payload=activity, next_attempt_at=timezone.now(),
                **fields,
            )
            transaction.on_commit(lambda: process_inbox_item.delay(item.pk))
    except IntegrityError:
        return None
    return item


def receive(request: HttpRequest, recipient: Actor | None) -> Accepted:
    """Run the checks above on an inbox POST. Returns Accepted or raises Rejected."""
    body = read_body(request, settings.FEDERATION_MAX_BODY)
    if detect_scheme(request.headers) is None:
        raise Rejected(401, "missing_signature", "the request is not signed")
    try:
        claim = check_signature_claim(request.headers, body)
    except SignatureError as exc:
        raise Rejected(401, exc.reason, exc.detail) from None
    activity = parse_activity(body)
    actor = activity["actor"]
    if origin(activity["id"]) != origin(actor):
        raise Rejected(400, "foreign_id", f"activity {activity['id']} is not on the origin of {actor}")
    if origin(claim.key_id) != origin(actor):
        raise Rejected(401, "foreign_key", f"key {claim.key_id} is not on the origin of {actor}")
    if domain_of(actor) != settings.WEERBAAR_DOMAIN:
        try:  # an actor we could never fetch (private address, plain http in production)
            fetching.check_url(actor, allow_private=settings.FEDERATION_ALLOW_PRIVATE)
        except fetching.FetchError as exc:
            raise Rejected(400, "unfetchable_actor", str(exc)) from None
    check_policy(claim.key_id, activity)
    check_own_object(activity)
    if InboxItem.objects.filter(activity_id=activity["id"]).exists():
        return Accepted("duplicate")

    known = _known_key(claim.key_id)
    if known is not None:
        owner, public_key = known
        try:
            verify_request(request.method, signed_url(request), request.headers, body, public_key,
                           window=settings.FEDERATION_SIGNATURE_WINDOW)
        except SignatureError as exc:
            schedule_key_refresh(owner)
            raise Rejected(401, exc.reason, exc.detail) from None
        if owner != actor:
            raise Rejected(401, "key_not_owned_by_actor", f"{claim.key_id} belongs to {owner}, not {actor}")
        item = _store(activity, claim.key_id, recipient, status=InboxItem.Status.PENDING)
        return Accepted("accepted" if item else "duplicate", item)

    if activity["type"] == "Delete" and id_of(activity.get("object")) == actor:
        # An actor we never cached deleting itself (Mastodon sends these to every server it
        # knows): there is nothing of it here, and its key is gone.
        return Accepted("unknown_actor_deleted")
    fields = HeaderFields(request.headers)
    headers = {name: fields.get(name) for name in claim.headers if fields.get(name) is not None}
    item = _store(activity, claim.key_id, recipient, status=InboxItem.Status.UNVERIFIED,
                  request_method=request.method, request_url=signed_url(request)[:1000],
                  request_headers=headers, request_body=body)
    return Accepted("held" if item else "duplicate", item)
