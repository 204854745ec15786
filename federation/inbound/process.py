"""Processing stored inbox items in the worker: verify held items, then hand them to a handler.

The InboxItem row is the truth; tasks only trigger work on it. A worker *claims* an item in a
short transaction (``SELECT ... FOR UPDATE SKIP LOCKED``): it counts an attempt and leases the
row for LEASE by moving `next_attempt_at` forward, so neither another worker nor the periodic
sweep picks it up meanwhile. Every later write is conditional on the claim (same attempt count
and status), so a worker whose lease ran out cannot overwrite a newer claim. Network I/O (key
and document fetches) happens outside any transaction.

Held (`unverified`) items: fetch the actor and its key (remote.resolve_key), verify the request
as received (against its receive time), then process. A key that cannot be had or a signature
that does not verify deletes the item; transient fetch failures retry with backoff.

Dispatch: the activity type and its object's type select the handler in federation.registry.
The object type is the embedded object's `type`; for a bare URI: the local actor's type, the
type of our own activity or Follow it names, or the cached actor's type (an actor naming itself,
as in Delete of an actor). No handler: status `ignored`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import registry
from ..crypto import SignatureError, verify_request
from ..fetching import ConnectionFailed, FetchBudget, FetchError, FetchTimeout, HttpError
from ..models import Activity, Follow, InboxItem, RemoteActor
from .context import Ignored, InboundContext, Refused, first_type, id_of, ids_of, local_actor, origin
from .receive import Rejected, check_policy
from .remote import ACTOR_TYPES, KeyUnavailable, NotAnActor, resolve_key

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 5
HELD_FOR = timedelta(days=1)
Status = InboxItem.Status


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, then hourly."""
    return timedelta(seconds=min(3600, 30 * 4 ** max(0, attempts - 1)))


def is_transient(exc: FetchError) -> bool:
    """Worth trying again later: the other server was slow, unreachable or failing."""
    if isinstance(exc, HttpError):
        return exc.status >= 500 or exc.status in (408, 429)
    return isinstance(exc, (ConnectionFailed, FetchTimeout))


def claim(item_id: int) -> InboxItem | None:
    """Lease a due item for this worker, or None (not due, done, or claimed by another worker)."""
    now = timezone.now()
    with transaction.atomic():
        item = (
            InboxItem.objects.select_for_update(skip_locked=True)
            .filter(pk=item_id, status__in=(Status.UNVERIFIED, Status.PENDING), next_attempt_at__lte=now)
            .first()
        )
        if item is None:
            return None
        if item.attempts >= MAX_ATTEMPTS:  # every earlier worker died or timed out on it
            logger.error("inbox item %s (%s): giving up after %d attempts", item.pk, item.activity_id, item.attempts)
            if item.status == Status.UNVERIFIED:
                item.delete()
            else:
                item.status, item.error, item.processed_at = Status.FAILED, "gave up: no attempt finished", now
                item.save(update_fields=["status", "error", "processed_at"])
            return None
        item.attempts += 1
        item.next_attempt_at = now + LEASE
        item.save(update_fields=["attempts", "next_attempt_at"])
    return item


def _mine(item: InboxItem):
    """The item's row, as long as this worker's claim on it holds."""
    return InboxItem.objects.filter(pk=item.pk, attempts=item.attempts, status=item.status)


def _retry(item: InboxItem, exc: Exception) -> str:
    _mine(item).update(next_attempt_at=timezone.now() + backoff(item.attempts), error=str(exc)[:2000])
    logger.info("inbox item %s (%s): retrying later: %s", item.pk, item.activity_id, exc)
    return "retry"


def _drop(item: InboxItem, why: str) -> str:
    _mine(item).delete()
    logger.warning("dropped held inbox item %s (%s from %s): %s", item.pk, item.activity_id, item.actor_uri, why)
    return "dropped"


def verify_held(item: InboxItem, budget: FetchBudget) -> str:
    """Fetch the key of a held item and verify it: "verified", "retry" or "dropped"."""
    try:
        remote_actor = resolve_key(item.key_id, item.actor_uri, budget)
    except FetchError as exc:
        if is_transient(exc) and item.attempts < MAX_ATTEMPTS:
            return _retry(item, exc)
        return _drop(item, f"cannot fetch the key: {exc}")
    except (KeyUnavailable, NotAnActor) as exc:
        return _drop(item, str(exc))
    if remote_actor.uri != item.actor_uri:
        return _drop(item, f"the key belongs to {remote_actor.uri}")
    try:
        verify_request(item.request_method, item.request_url, item.request_headers, bytes(item.request_body),
                       remote_actor.public_key_pem, now=item.received_at,
                       window=settings.FEDERATION_SIGNATURE_WINDOW)
    except SignatureError as exc:
        return _drop(item, f"signature does not verify: {exc.detail}")
    if not _mine(item).update(status=Status.PENDING, request_method="", request_url="", request_headers={},
                              request_body=b"", error=""):
        return "lost"
    item.status = Status.PENDING
    return "verified"


def _object_type_of_uri(ref: str, ctx: InboundContext) -> str | None:
    if ref == ctx.actor_uri:
        return ctx.remote_actor.type if ctx.remote_actor else None
    local = local_actor(ref)
    if local is not None:
        return local.type
    prefix = f"{settings.WEERBAAR_URL}/activities/"
    if ref.startswith(prefix):
        try:
            ours = Activity.objects.filter(uuid=uuid.UUID(ref[len(prefix):])).values_list("type", flat=True).first()
        except ValueError:
            ours = None
        if ours:
            return ours
    if Follow.objects.filter(activity_id=ref).exists():
        return "Follow"
    return RemoteActor.objects.filter(uri=ref).values_list("type", flat=True).first()


def object_type_of(ctx: InboundContext) -> str | None:
    """The type of the activity's object, for choosing a handler (None when unknown)."""
    value = ctx.activity.get("object")
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, dict):
        kind = first_type(value.get("type"))
        if id_of(value) == ctx.actor_uri and kind not in ACTOR_TYPES and ctx.remote_actor:
            return ctx.remote_actor.type  # e.g. Delete of an actor as a Tombstone
        return kind
    return _object_type_of_uri(value, ctx) if isinstance(value, str) else None


def check_ownership(ctx: InboundContext) -> None:
    """Update and Delete only of the actor's own objects, and of an actor only by itself."""
    if ctx.type not in ("Update", "Delete"):
        return
    target = ctx.object_id
    if target is None or origin(target) != origin(ctx.actor_uri):
        raise Refused(f"{ctx.actor_uri} cannot {ctx.type} {target}: not on its origin")
    obj = ctx.object
    names_actor = (
        (obj is not None and first_type(obj.get("type")) in ACTOR_TYPES)
        or local_actor(target) is not None
        or RemoteActor.objects.filter(uri=target).exists()
    )
    if names_actor:
        if target != ctx.actor_uri:
            raise Refused(f"only {target} can {ctx.type} itself, not {ctx.actor_uri}")
        return
    authors = ids_of(obj.get("attributedTo")) if obj is not None else []
    if authors and ctx.actor_uri not in authors:
        raise Refused(f"{target} is attributed to {', '.join(authors)}, not {ctx.actor_uri}")


def dispatch(item: InboxItem, budget: FetchBudget) -> str:
    """Run the handler of a verified item and record the outcome; returns the new status."""
    ctx = InboundContext(
        item=item, activity=item.payload, actor_uri=item.actor_uri,
        remote_actor=RemoteActor.objects.filter(uri=item.actor_uri).first(),
        recipient=item.recipient, budget=budget,
    )
    status, error = Status.PROCESSED, ""
    try:
        try:
            check_policy(item.key_id, item.payload)  # the policy may have changed since receipt
        except Rejected as rejected:
            raise Refused(rejected.detail) from None
        check_ownership(ctx)
        object_type = object_type_of(ctx)
        handler = registry.resolve_handler(ctx.type, object_type)
        if handler is None:
            raise Ignored(f"no handler for {ctx.type} of {object_type or 'an unknown object'}")
        handler(ctx)
    except Ignored as exc:
        status, error = Status.IGNORED, str(exc)
    except Refused as exc:
        status, error = Status.FAILED, f"refused: {exc}"
        logger.info("inbox item %s (%s) refused: %s", item.pk, item.activity_id, exc)
    except FetchError as exc:
        if is_transient(exc) and item.attempts < MAX_ATTEMPTS:
            return _retry(item, exc)
        status, error = Status.FAILED, f"fetch failed: {exc}"
    except Exception as exc:  # a handler bug must not stop the queue; the item records it
        logger.exception("inbox item %s (%s) failed in its handler", item.pk, item.activity_id)
        status, error = Status.FAILED, f"{type(exc).__name__}: {exc}"
    _mine(item).update(status=status, error=error[:2000], processed_at=timezone.now())
    return status


def process_item(item_id: int) -> str:
    """Claim, verify (if held) and dispatch one inbox item. Returns what happened."""
    item = claim(item_id)
    if item is None:
        return "skipped"
    budget = FetchBudget(20)
    if item.status == Status.UNVERIFIED:
        outcome = verify_held(item, budget)
        if outcome != "verified":
            return outcome
    return dispatch(item, budget)


def due_item_ids(limit: int = 500) -> list[int]:
    """Items waiting for a worker (new, retrying, or whose lease ran out)."""
    return list(
        InboxItem.objects.filter(status__in=(Status.UNVERIFIED, Status.PENDING), next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )


def expire_held() -> int:
    """Delete held items that could not be verified within a day."""
    deleted, _ = InboxItem.objects.filter(
        status=Status.UNVERIFIED, received_at__lt=timezone.now() - HELD_FOR
    ).delete()
    return deleted
