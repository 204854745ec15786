"""Outgoing delivery: the one way anything on this node sends an activity to other servers.

``publish(actor, activity, recipients=..., to_followers=..., public=...)`` stores the Activity
and one Delivery row per target inbox (shared inboxes deduplicated) in the caller's transaction,
and enqueues one ``federation.deliver`` task per row when it commits. The row is the truth, the
task only a trigger (at-least-once; receivers deduplicate by activity id).

Modules: recipients (who gets it), publishing (publish, rows), send (one attempt: claim, sign,
POST, outcome), transport (the SSRF-safe POST), schedule (backoff, Retry-After, give-up, leases),
breaker (per-host circuit breaker on Peer), sweep (the periodic re-trigger), resolve (fetching
unknown recipients), tasks (Celery).

Decisions worth knowing:

* Blocked or not-allowed domains get no Delivery rows at all; blocking a domain later drops its
  pending rows (``weerbaarnl federation block``), and every attempt re-checks the policy.
* Hosts marked unavailable still get rows; they stay pending and are not enqueued. The sweeper
  sends one probe per host per hour (× time scale); any success resumes all of them. Rows past
  the 72 h window are dropped by the sweeper.
* Local recipients (our own domain) are skipped: no HTTP to ourselves, and no local inbox
  processing is done here.
* Each task carries a lease token (the row's next_attempt_at when it was handed out), so a row
  is sent by at most one task at a time even when the sweeper and publish race.
"""

from .publishing import publish

__all__ = ["publish"]
