"""Per-host circuit breaker, kept on the Peer row.

* A failed attempt (network error, timeout, 3xx, 5xx, 408, 429) starts or extends the host's
  failure streak: ``first_failure_at`` is the start of the streak, ``last_failure_at`` the latest.
* Any answer that shows the host is up (2xx, and also the 4xx answers we drop or retry once)
  is a success: it ends the streak, marks the host available again, and makes the host's
  pending deliveries that wait on a backoff due now ("resumes on any success").
* A host is marked unavailable when its streak has lasted 7 days, or when it has had no
  success for 3 days while failing (the 3-day rule needs an earlier success to count from; a
  host that never accepted anything is judged by the 7-day rule alone). All × time scale.
* Allow-listed hosts (Peer.allowed) are never marked unavailable: when they cross the threshold
  an ERROR is logged instead (once per failure streak), and delivery keeps retrying.
* While a host is unavailable the sweeper does not hand out its deliveries, except one probe
  delivery per host per PROBE_INTERVAL (× time scale); a probe that succeeds resumes the host.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ..models import Delivery, Peer
from .schedule import QUEUE_LEASE, scaled

logger = logging.getLogger(__name__)

FAILING_STREAK = timedelta(days=7)
SILENCE = timedelta(days=3)
PROBE_INTERVAL = timedelta(hours=1)
# A success is written to the Peer row at most this often while nothing else changes, so a
# large fan-out to one healthy host does not rewrite its row for every delivery.
SUCCESS_RESOLUTION = timedelta(minutes=1)


def over_threshold(first_failure_at: datetime | None, last_success_at: datetime | None, at: datetime) -> bool:
    """Whether a host failing since `first_failure_at` counts as unavailable at time `at`."""
    if first_failure_at is None:
        return False
    if at - first_failure_at >= scaled(FAILING_STREAK):
        return True
    return last_success_at is not None and at - last_success_at >= scaled(SILENCE)


def _locked_peer(host: str) -> Peer:
    Peer.objects.get_or_create(domain=host)
    return Peer.objects.select_for_update().get(domain=host)


def record_failure(host: str, now: datetime | None = None) -> Peer:
    """Count a failed attempt against `host`; may mark it unavailable (or alert, if allow-listed)."""
    now = now or timezone.now()
    with transaction.atomic():
        peer = _locked_peer(host)
        was_over = peer.last_failure_at is not None and over_threshold(
            peer.first_failure_at, peer.last_success_at, peer.last_failure_at)
        if peer.first_failure_at is None:
            peer.first_failure_at = now
        peer.last_failure_at = now
        fields = ["first_failure_at", "last_failure_at", "updated"]
        if over_threshold(peer.first_failure_at, peer.last_success_at, now):
            if peer.allowed:
                if not was_over:
                    logger.error(
                        "allow-listed peer %s has been failing since %s (last success: %s); it stays "
                        "available and delivery keeps retrying: check that server",
                        host, peer.first_failure_at.isoformat(),
                        peer.last_success_at.isoformat() if peer.last_success_at else "never")
            elif peer.state == Peer.State.AVAILABLE:
                peer.state = Peer.State.UNAVAILABLE
                fields.append("state")
                logger.warning("peer %s marked unavailable: failing since %s (last success: %s)", host,
                               peer.first_failure_at.isoformat(),
                               peer.last_success_at.isoformat() if peer.last_success_at else "never")
        peer.save(update_fields=fields)
    return peer


def record_success(host: str, now: datetime | None = None) -> None:
    """The host answered: end its failure streak, mark it available, resume its deliveries."""
    now = now or timezone.now()
    seen = Peer.objects.filter(domain=host).values("state", "first_failure_at", "last_success_at").first()
    if (seen and seen["state"] == Peer.State.AVAILABLE and seen["first_failure_at"] is None
            and seen["last_success_at"] and now - seen["last_success_at"] < scaled(SUCCESS_RESOLUTION)):
        return
    with transaction.atomic():
        peer = _locked_peer(host)
        was_failing = peer.first_failure_at is not None or peer.state == Peer.State.UNAVAILABLE
        if peer.state == Peer.State.UNAVAILABLE:
            logger.info("peer %s is reachable again; resuming delivery", host)
        peer.state = Peer.State.AVAILABLE
        peer.first_failure_at = None
        peer.last_success_at = max(now, peer.last_success_at or now)
        peer.save(update_fields=["state", "first_failure_at", "last_success_at", "updated"])
        if was_failing:
            resume_host(host, now)


def resume_host(host: str, now: datetime) -> int:
    """Make the host's pending deliveries that wait on a backoff due now, and have the sweeper
    run after commit. Rows leased to a task (next_attempt_at within QUEUE_LEASE) keep their
    lease, so nothing is sent twice. Returns the number of rows made due."""
    from .tasks import sweep_deliveries

    count = Delivery.objects.filter(
        host=host, status=Delivery.Status.PENDING, next_attempt_at__gt=now + QUEUE_LEASE
    ).update(next_attempt_at=now)
    if count:
        transaction.on_commit(sweep_deliveries.delay)
    return count


def probe_due(host: str, now: datetime) -> bool:
    """May the sweeper send one probe delivery to this unavailable host now? Only when no
    delivery to it was attempted (claimed) within PROBE_INTERVAL."""
    return not Delivery.objects.filter(host=host, last_attempt_at__gt=now - scaled(PROBE_INTERVAL)).exists()
