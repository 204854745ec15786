"""When to try a delivery again: backoff, Retry-After, the give-up window and leases.

Every duration that belongs to the retry policy is multiplied by
``settings.FEDERATION_DELIVERY_TIME_SCALE`` (1.0 in production; tiny in tests and local
clusters that compress days into seconds). Leases are wall-clock protection against double
sending and are not scaled.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=12)
RETRY_WINDOW = timedelta(hours=72)
JITTER = 0.25

# A row handed to a task (by publish or the sweeper) is leased for this long: its
# next_attempt_at is pushed forward so the sweeper does not hand it out again while the task
# waits in the queue. If the task is lost, the sweeper picks the row up once the lease ends.
QUEUE_LEASE = timedelta(minutes=5)
# While a task sends (one POST, at most 10 s), the row is leased for this long.
SEND_LEASE = timedelta(minutes=2)


def time_scale() -> float:
    return float(getattr(settings, "FEDERATION_DELIVERY_TIME_SCALE", 1.0))


def scaled(duration: timedelta) -> timedelta:
    """A retry-policy duration in this node's time scale."""
    return duration * time_scale()


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay after the n-th failed attempt: min(12 h, 30 s × 4^(n-1)), ±25 % jitter, scaled."""
    exponent = max(0, attempts - 1)
    base = MAX_DELAY if exponent >= 8 else min(MAX_DELAY, BASE_DELAY * 4**exponent)
    jitter = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return scaled(base * jitter)


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """The delay a Retry-After header asks for (delta-seconds or an HTTP-date), capped at 12 h;
    None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = timedelta(seconds=int(value[:9]))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        delay = when - now
    return max(timedelta(0), min(delay, MAX_DELAY))


def retry_delay(attempts: int, retry_after: timedelta | None = None) -> timedelta:
    """The delay before the next attempt: the backoff, or longer when the peer asked for it."""
    delay = backoff(attempts)
    if retry_after is not None:
        delay = max(delay, scaled(retry_after))
    return delay


def give_up_at(first_attempt_at: datetime) -> datetime:
    return first_attempt_at + scaled(RETRY_WINDOW)
