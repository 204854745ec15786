"""publish(): store an outgoing activity and one Delivery row per target inbox, then trigger
the worker once the transaction commits."""

from __future__ import annotations

import logging
from typing import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Activity, Actor, Delivery
from ..policy import domain_of
from .recipients import MAX_RESOLVE, collect, unavailable_hosts
from .schedule import QUEUE_LEASE

logger = logging.getLogger(__name__)

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"


def _object_uri(payload: dict) -> str:
    obj = payload.get("object")
    if isinstance(obj, dict):
        obj = obj.get("id")
    return obj if isinstance(obj, str) and len(obj) <= 500 else ""


def publish(actor: Actor, activity: dict, *, recipients: Iterable[str] = (), to_followers: bool = False,
            public: bool = False) -> Activity:
    """Send `activity` as `actor`: the one way groups/, capabilities/ and federation itself send.

    The stored payload is a copy of `activity` with "@context" (when missing), "id" (the new
    Activity's URI when missing; a given id must be on this node) and "actor" (always
    `actor.uri`). Targets: accepted followers when `to_followers` (or when `recipients` holds the
    actor's followers collection) plus `recipients` (actor URIs or inbox URLs); see
    federation.delivery.recipients. `public` lists the activity in the outbox. Call it inside
    the caller's transaction: nothing is sent unless that commits.
    """
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str) or not activity["type"]:
        raise ValueError("an activity must be a dict with a type")
    record = Activity(actor=actor, public=public)
    payload = {"@context": activity.get("@context") or AS_CONTEXT}
    payload.update((key, value) for key, value in activity.items() if key != "@context")
    payload.setdefault("id", record.uri)
    if not isinstance(payload["id"], str) or domain_of(payload["id"]) != settings.WEERBAAR_DOMAIN:
        raise ValueError(f"activity id {payload['id']!r} is not on this node")
    payload["actor"] = actor.uri
    record.type = payload["type"][:40]
    record.object_uri = _object_uri(payload)
    record.payload = payload
    with transaction.atomic():
        record.save()
        targets = collect(actor, recipients, to_followers)
        add_deliveries(record, targets.inboxes)
        if targets.unknown:
            from .tasks import resolve_and_deliver

            unknown = targets.unknown[:MAX_RESOLVE]
            transaction.on_commit(lambda: resolve_and_deliver.delay(record.pk, unknown))
    return record


def add_deliveries(activity: Activity, inboxes: dict[str, str]) -> int:
    """Create the missing Delivery rows for these inboxes (URL → host) and enqueue them on
    commit. Rows for hosts the circuit breaker marked unavailable are created due but not
    enqueued: the sweeper's probe logic decides when they are tried. Returns rows enqueued."""
    if not inboxes:
        return 0
    too_long = [inbox for inbox, host in inboxes.items() if len(inbox) > 500 or len(host) > 255]
    for inbox in too_long:
        logger.warning("not delivering %s to an inbox URL longer than 500 characters: %.200s…", activity.uri, inbox)
    inboxes = {inbox: host for inbox, host in inboxes.items() if inbox not in too_long}
    now = timezone.now()
    lease = now + QUEUE_LEASE
    down = unavailable_hosts(inboxes.values())
    rows = [
        Delivery(activity=activity, inbox=inbox, host=host, next_attempt_at=now if host in down else lease)
        for inbox, host in inboxes.items()
    ]
    Delivery.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    ids = list(
        Delivery.objects.filter(activity=activity, status=Delivery.Status.PENDING, next_attempt_at=lease)
        .values_list("pk", flat=True)
    )
    from .tasks import enqueue_on_commit

    enqueue_on_commit(ids, lease)
    if down:
        logger.info("activity %s: %d host(s) unavailable, their deliveries wait for the sweeper's probe",
                    activity.uuid, len(down))
    return len(ids)
