"""Sending one delivery: claim the row, sign, POST once, record the outcome.

Outcomes of an attempt:

* 2xx → delivered.
* network error, timeout, 3xx (redirects are not followed), 5xx, 408, 429 → retry after
  min(12 h, 30 s × 4^(n-1)) ±25 % (× time scale); 429 and 503 wait at least what Retry-After
  asks (seconds or an HTTP-date, capped at 12 h). Counts as a failure of the host.
* 401 → retried once (the receiver may still be fetching our key), then dropped.
* other 4xx → dropped. 4xx answers show the host is up: they count as a success of the host.
* the URL or its address is refused (private/loopback address unless FEDERATION_ALLOW_PRIVATE,
  scheme, malformed) → dropped at once with the reason, since it can never succeed; the domain is
  blocked or not allowed (any more) → dropped. Neither touches the host's circuit breaker.
* a retry that fails 72 h (× time scale) or more after the first attempt → dropped.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..crypto import PrivateKey, SignatureError, load_private_key, sign_cavage
from ..fetching import BadUrl, BlockedAddress, FetchError, SchemeNotAllowed, user_agent
from ..keys import signing_key
from ..models import Activity, Delivery
from ..policy import may_federate
from .breaker import SUCCESS_RESOLUTION, record_failure, record_success
from .schedule import SEND_LEASE, give_up_at, parse_retry_after, retry_delay, scaled
from .transport import post

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/activity+json"
SIGNED_HEADERS = ("(request-target)", "host", "date", "digest", "content-type")
RETRY_AFTER_STATUSES = frozenset({429, 503})

PENDING, DELIVERED, DROPPED = Delivery.Status.PENDING, Delivery.Status.DELIVERED, Delivery.Status.DROPPED


# SQLite has one writer at a time, and a writer that finds the database locked sleeps in steps
# of 1 to 100 ms before it tries again. The worker threads of this process therefore queue for
# their delivery writes on a lock of their own, which wakes the next one at once.
_sqlite_writes = threading.Lock()


@contextmanager
def serialised_writes():
    """Hold the process's SQLite write lock (nothing on other databases)."""
    if connection.vendor != "sqlite":
        yield
        return
    with _sqlite_writes:
        yield


@dataclass(frozen=True)
class Outcome:
    status: str  # delivered, pending (retry) or dropped
    error: str = ""
    code: int | None = None
    retry_after: timedelta | None = None
    host_up: bool | None = None  # True: the host answered; False: it failed; None: not its fault
    unauthorized: bool = False


def deliver(delivery_id: int, lease: str | None = None) -> str:
    """Attempt one delivery if it is due (or carries `lease`, the token its task was given).
    Returns the row's status afterwards, or "skipped" when there was nothing to do."""
    claimed = claim(delivery_id, lease)
    if claimed is None:
        return "skipped"
    delivery, activity_uuid = claimed
    try:
        activity = outgoing(delivery.activity_id, activity_uuid)
    except SignatureError as exc:  # our own key is unusable: not the host's fault
        return record(delivery, Outcome(PENDING, f"signing key unusable: {exc}"))
    return record(delivery, attempt(delivery, activity), activity)


def claim(delivery_id: int, lease: str | None = None, now: datetime | None = None) -> tuple[Delivery, UUID] | None:
    """Take the row for one attempt: pending and due (or still holding `lease`), not locked by
    another worker. Pushes next_attempt_at forward by SEND_LEASE so nobody else sends it
    meanwhile. On SQLite the IMMEDIATE transaction serialises claimers instead of row locks.
    Returns an unsaved Delivery carrying the claimed state, and its activity's uuid."""
    now = now or timezone.now()
    due = Q(next_attempt_at__lte=now)
    if lease:
        due |= Q(next_attempt_at=datetime.fromisoformat(lease))
    with serialised_writes(), transaction.atomic():
        row = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))  # not the activity row
            .filter(due, pk=delivery_id, status=PENDING)
            .values("activity_id", "activity__uuid", "inbox", "host", "attempts", "first_attempt_at",
                    "retried_unauthorized")
            .first()
        )
        if row is None:
            return None
        activity_uuid = row.pop("activity__uuid")
        delivery = Delivery(pk=delivery_id, status=PENDING, **row)
        delivery.attempts += 1
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + SEND_LEASE
        Delivery.objects.filter(pk=delivery_id).update(
            attempts=delivery.attempts, first_attempt_at=delivery.first_attempt_at, last_attempt_at=now,
            next_attempt_at=delivery.next_attempt_at)
    return delivery, activity_uuid


@dataclass
class Outgoing:
    """What every delivery of one activity shares: its body, the actor's signing key, and, per
    host, when this process last checked the instance policy and last recorded a success."""

    body: bytes
    key_id: str
    key: PrivateKey
    loaded: float
    policy_checked: dict[str, float] = field(default_factory=dict)
    success_recorded: dict[str, float] = field(default_factory=dict)

    def may_federate(self, host: str) -> bool:
        """The instance policy for `host`, asked at most once per POLICY_TTL for this activity."""
        checked = self.policy_checked.get(host)
        if checked is not None and time.monotonic() - checked < POLICY_TTL:
            return True
        if not may_federate(host):
            return False
        self.policy_checked[host] = time.monotonic()
        return True

    def record_success(self, host: str, now: datetime) -> None:
        """Feed the breaker a success, at most once per SUCCESS_RESOLUTION for this activity."""
        recorded = self.success_recorded.get(host)
        if recorded is not None and time.monotonic() - recorded < scaled(SUCCESS_RESOLUTION).total_seconds():
            return
        record_success(host, now)
        self.success_recorded[host] = time.monotonic()


# Activities are immutable once stored: a fan-out loads, serialises and finds the key once per
# process. Entries expire after OUTGOING_TTL seconds so a replaced key is picked up. A block
# takes effect on this activity's remaining deliveries within POLICY_TTL seconds (like a POST
# already under way).
OUTGOING_TTL = 300.0
POLICY_TTL = 1.0
_outgoing: OrderedDict[UUID, Outgoing] = OrderedDict()
_outgoing_lock = threading.Lock()


def outgoing(activity_id: int, activity_uuid: UUID) -> Outgoing:
    """The shared part of the activity's deliveries, cached by its (never reused) uuid."""
    with _outgoing_lock:
        cached = _outgoing.get(activity_uuid)
    if cached is not None and time.monotonic() - cached.loaded < OUTGOING_TTL:
        return cached
    activity = Activity.objects.select_related("actor").get(pk=activity_id)
    key_id, pem = signing_key(activity.actor)
    body = json.dumps(activity.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    entry = Outgoing(body, key_id, load_private_key(pem), time.monotonic())
    with _outgoing_lock:
        _outgoing[activity.uuid] = entry
        while len(_outgoing) > 64:
            _outgoing.popitem(last=False)
    return entry


def signed_request(delivery: Delivery, activity: Outgoing) -> dict[str, str]:
    """The headers of the POST, signed draft-cavage by the activity's actor."""
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Accept": CONTENT_TYPE,
        "User-Agent": user_agent(settings.WEERBAAR_VERSION, settings.WEERBAAR_URL),
    }
    headers.update(sign_cavage("POST", delivery.inbox, headers, activity.body, activity.key_id, activity.key,
                               signed_headers=SIGNED_HEADERS))
    return headers


def attempt(delivery: Delivery, activity: Outgoing) -> Outcome:
    """One POST of a claimed delivery; what happened, without touching the database row."""
    if not activity.may_federate(delivery.host):
        return Outcome(DROPPED, "domain refused by instance policy (blocked or not allowed)")
    allow_private = bool(settings.FEDERATION_ALLOW_PRIVATE)
    try:
        response = post(delivery.inbox, activity.body, signed_request(delivery, activity),
                        allow_private=allow_private)
    except (BadUrl, SchemeNotAllowed, BlockedAddress) as exc:
        return Outcome(DROPPED, f"refused, can never be delivered: {exc}")
    except FetchError as exc:
        return Outcome(PENDING, f"{type(exc).__name__}: {exc}", host_up=False)
    except SignatureError as exc:  # our own key could not sign: not the host's fault
        return Outcome(PENDING, f"signing failed: {exc}")
    return classify(response.status, response.retry_after, delivery.retried_unauthorized)


def classify(status: int, retry_after: str | None, retried_unauthorized: bool) -> Outcome:
    """What an HTTP status means for the delivery and for the host."""
    if 200 <= status < 300:
        return Outcome(DELIVERED, code=status, host_up=True)
    if status == 401:
        if retried_unauthorized:
            return Outcome(DROPPED, "HTTP 401 twice: signature not accepted", status, host_up=True)
        return Outcome(PENDING, "HTTP 401: retrying once", status, host_up=True, unauthorized=True)
    if status in (408, 429) or status >= 500 or status < 400:  # also 3xx: redirects not followed
        wait = parse_retry_after(retry_after, timezone.now()) if status in RETRY_AFTER_STATUSES else None
        return Outcome(PENDING, f"HTTP {status}", status, retry_after=wait, host_up=False)
    return Outcome(DROPPED, f"HTTP {status}: refused by the receiver", status, host_up=True)


def record(delivery: Delivery, outcome: Outcome, activity: Outgoing | None = None,
           now: datetime | None = None) -> str:
    """Store the outcome on the row (unless it stopped being pending meanwhile, e.g. blocked)
    and feed the host's circuit breaker. Returns the row's new status."""
    now = now or timezone.now()
    status, error = outcome.status, outcome.error
    fields: dict = {"last_status_code": outcome.code, "retried_unauthorized": delivery.retried_unauthorized
                    or outcome.unauthorized}
    if status == PENDING:
        deadline = give_up_at(delivery.first_attempt_at)
        if now >= deadline:
            status, error = DROPPED, f"gave up after the retry window; last error: {error}"
        else:
            delay = retry_delay(delivery.attempts, outcome.retry_after)
            fields["next_attempt_at"] = min(now + delay, deadline)
    fields.update(status=status, last_error=error[:2000])
    with serialised_writes():
        Delivery.objects.filter(pk=delivery.pk, status=PENDING).update(**fields)
    if status == DELIVERED:
        logger.debug("delivered %s to %s", delivery.pk, delivery.inbox)
    elif status == DROPPED:
        logger.warning("dropped delivery %s (activity %s) to %s: %s", delivery.pk, delivery.activity_id,
                       delivery.inbox, error)
    else:
        logger.info("delivery %s to %s failed (attempt %d), retrying at %s: %s", delivery.pk,
                    delivery.inbox, delivery.attempts, fields["next_attempt_at"].isoformat(), error)
    with serialised_writes():
        if outcome.host_up is True:
            (activity.record_success if activity else record_success)(delivery.host, now)
        elif outcome.host_up is False:
            if activity:
                activity.success_recorded.pop(delivery.host, None)
            record_failure(delivery.host, now)
    return status
