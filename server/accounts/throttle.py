"""Rate limiting of failed logins, per account name and per client address.

After settings.LOGIN_MAX_FAILURES failures for one name, or from one address, within
settings.LOGIN_LOCKOUT_MINUTES, further attempts are refused (without checking the password)
until the oldest of those failures has left the window. Refused attempts are not recorded, so
the lock ends on time however often someone retries.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginFailure

# Rows older than this (or the lockout window, if longer) are deleted on each new failure.
KEEP = timedelta(days=1)


def client_ip(request) -> str | None:
    """The address of the connecting peer. X-Forwarded-For is not trusted: anyone can set it."""
    return request.META.get("REMOTE_ADDR") or None


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _unlock_at(failures, now):
    """When the MAX-th most recent failure in the window leaves it, or None if not locked."""
    limit = settings.LOGIN_MAX_FAILURES
    recent = list(
        failures.filter(created__gt=now - _window()).order_by("-created").values_list("created", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[limit - 1] + _window()


def lockout_seconds(username: str, ip: str | None, now=None) -> int:
    """Seconds until this name and address may try again; 0 when they may now."""
    now = now or timezone.now()
    times = [_unlock_at(LoginFailure.objects.filter(username=username), now)]
    if ip:
        times.append(_unlock_at(LoginFailure.objects.filter(ip_address=ip), now))
    times = [t for t in times if t is not None and t > now]
    if not times:
        return 0
    return math.ceil((max(times) - now).total_seconds())


def lockout_minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def record_failure(username: str, ip: str | None) -> None:
    now = timezone.now()
    LoginFailure.objects.create(username=username[:150], ip_address=ip, created=now)
    LoginFailure.objects.filter(created__lt=now - max(KEEP, _window())).delete()


def clear_failures(username: str) -> None:
    LoginFailure.objects.filter(username=username).delete()
