"""The periodic sweep: hand due deliveries to tasks again. Retries are rows, never Celery
countdowns (a long countdown on Redis is re-delivered after the visibility timeout).

Rows are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` in batches and leased (next_attempt_at
pushed QUEUE_LEASE ahead) in the same transaction; each task carries the lease as a token, so two
sweepers, or a sweeper and publish, never hand the same attempt to two tasks. On SQLite there are
no row locks: the claim runs in an IMMEDIATE transaction, which serialises claimers (and within
one process the delivery writers queue on a lock first, see send.serialised_writes).

Hosts the circuit breaker marked unavailable are skipped, except one probe delivery per host per
PROBE_INTERVAL; their rows that are past the retry window are dropped here, since no attempt
would do it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Delivery, Peer
from .breaker import probe_due
from .schedule import QUEUE_LEASE, RETRY_WINDOW, scaled
from .send import serialised_writes

logger = logging.getLogger(__name__)

BATCH = 500
MAX_PER_SWEEP = 5000

PENDING = Delivery.Status.PENDING


def claim_due(limit: int = BATCH, now: datetime | None = None, *, host: str | None = None,
              exclude_hosts: list[str] = ()) -> tuple[list[int], datetime]:
    """Lease up to `limit` due pending rows (optionally of one host). Returns their ids and the
    lease (their new next_attempt_at), which the tasks must present."""
    now = now or timezone.now()
    lease = now + QUEUE_LEASE
    due = Delivery.objects.filter(status=PENDING, next_attempt_at__lte=now)
    if host is not None:
        due = due.filter(host=host)
    if exclude_hosts:
        due = due.exclude(host__in=list(exclude_hosts))
    with serialised_writes(), transaction.atomic():
        ids = list(
            due.select_for_update(skip_locked=True).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(next_attempt_at=lease)
    return ids, lease


def drop_expired(hosts: list[str], now: datetime) -> int:
    """Drop due rows to these (unavailable) hosts whose retry window has passed."""
    cutoff = now - scaled(RETRY_WINDOW)
    return Delivery.objects.filter(host__in=hosts, status=PENDING, next_attempt_at__lte=now).filter(
        Q(first_attempt_at__lt=cutoff) | Q(first_attempt_at__isnull=True, created__lt=cutoff)
    ).update(status=Delivery.Status.DROPPED, last_error="gave up after the retry window; host unavailable")


def sweep(now: datetime | None = None) -> int:
    """Enqueue due deliveries (each batch once its claim has committed). Returns how many."""
    from .tasks import enqueue_on_commit as enqueue

    now = now or timezone.now()
    down = list(Peer.objects.filter(state=Peer.State.UNAVAILABLE).values_list("domain", flat=True))
    total = 0
    while total < MAX_PER_SWEEP:
        ids, lease = claim_due(min(BATCH, MAX_PER_SWEEP - total), now, exclude_hosts=down)
        enqueue(ids, lease)
        total += len(ids)
        if len(ids) < BATCH:
            break
    if down:
        dropped = drop_expired(down, now)
        if dropped:
            logger.warning("dropped %d deliveries to unavailable hosts past the retry window", dropped)
        for host in down:
            if probe_due(host, now):
                ids, lease = claim_due(1, now, host=host)
                if ids:
                    logger.info("probing unavailable host %s with delivery %s", host, ids[0])
                enqueue(ids, lease)
                total += len(ids)
    return total
