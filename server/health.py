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
    if settings.EMBEDDED_WORKER:
        return True, "embedded"
    from .celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            return True, conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport.driver_type
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}".strip()
