"""Health of the services the node depends on: the database and the Celery broker."""

from __future__ import annotations

from django.conf import settings
from django.db import connection


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, connection.vendor
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}".strip()


def check_broker(timeout: float = 3.0) -> tuple[bool, str]:
    """Open a fresh connection to CELERY_BROKER_URL (not the app's pool, which may be stale)."""
    if settings.EMBEDDED_WORKER:
        return True, "embedded"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            return True, conn.transport.driver_type
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}".strip()
