"""Celery tasks of outgoing delivery. Tasks take ids (and a lease token); rows hold the state."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.db import transaction

__all__ = ["deliver_one", "enqueue_deliveries", "resolve_and_deliver", "sweep_deliveries"]

# Sending a task to Redis costs 1-2 ms of CPU, so a fan-out to 1,000 inboxes would hold the
# publishing request for seconds. Up to ENQUEUE_INLINE tasks are sent directly; larger fan-outs
# send one `federation.enqueue_deliveries` task per ENQUEUE_BATCH rows, and the workers send the
# per-delivery tasks. Each delivery is still one task making one POST.
ENQUEUE_INLINE = 50
ENQUEUE_BATCH = 250


@shared_task(name="federation.deliver")
def deliver_one(delivery_id: int, lease: str | None = None) -> str:
    """One HTTP POST: attempt the delivery if it is due or still holds `lease`."""
    from .send import deliver

    return deliver(delivery_id, lease)


@shared_task(name="federation.enqueue_deliveries")
def enqueue_deliveries(delivery_ids: list[int], lease: str) -> int:
    """Send the `federation.deliver` tasks of one batch of a large fan-out."""
    for delivery_id in delivery_ids:
        deliver_one.delay(delivery_id, lease)
    return len(delivery_ids)


@shared_task(name="federation.sweep_deliveries")
def sweep_deliveries() -> int:
    """Periodic (every 10 s): hand due deliveries (retries, lost triggers, probes) to tasks."""
    from .sweep import sweep

    return sweep()


@shared_task(name="federation.resolve_and_deliver")
def resolve_and_deliver(activity_id: int, uris: list[str]) -> int:
    """Fetch recipients publish() did not know yet and deliver the activity to them."""
    from .resolve import resolve_recipients

    return resolve_recipients(activity_id, uris)


def enqueue(ids: list[int], lease: datetime) -> None:
    """One `federation.deliver` task per row, each carrying the row's lease as its token; for
    more than ENQUEUE_INLINE rows through `federation.enqueue_deliveries` batches."""
    token = lease.isoformat()
    if len(ids) <= ENQUEUE_INLINE:
        for delivery_id in ids:
            deliver_one.delay(delivery_id, token)
        return
    for start in range(0, len(ids), ENQUEUE_BATCH):
        enqueue_deliveries.delay(ids[start:start + ENQUEUE_BATCH], token)


def enqueue_on_commit(ids: list[int], lease: datetime) -> None:
    """enqueue() once the current transaction commits (at once outside a transaction)."""
    if ids:
        transaction.on_commit(lambda: enqueue(ids, lease))
