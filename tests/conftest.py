"""Shared fixtures: a real background worker and helpers to wait for what it does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, message: str = "condition"):
    """Poll until predicate() is truthy; fail the test with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


def _worker_subprocess(database_name: str):
    """A real `celery worker` process on the configured broker, using the test database."""
    from django.conf import settings

    env = dict(os.environ)
    db = settings.DATABASES["default"]
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{database_name}"
    )
    env["CELERY_TASK_DEFAULT_QUEUE"] = settings.CELERY_TASK_DEFAULT_QUEUE
    # Tests run their remote peers on loopback; the worker must be allowed to reach them.
    env["WEERBAAR_FEDERATION_ALLOW_PRIVATE"] = "true"
    cmd = [
        sys.executable, "-m", "celery", "-A", "server", "worker", "--pool", "threads",
        "--concurrency", "4", "--queues", settings.CELERY_TASK_DEFAULT_QUEUE, "--loglevel", "INFO",
        "--without-heartbeat", "--without-mingle", "--without-gossip", "--hostname", "test@%h",
    ]
    log = open(Path(settings.DATA_DIR) / "worker.log", "w+b")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def ready():
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"celery worker exited with {proc.returncode}:\n{log.read().decode()[-3000:]}")
        log.seek(0)
        return b" ready." in log.read()

    wait_for(ready, timeout=60, message="the celery worker to start")
    return proc, log


@pytest.fixture(scope="session")
def background_worker(django_db_setup, django_db_blocker):
    """A real background worker for the whole session.

    Embedded mode (no CELERY_BROKER_URL): the same in-process worker `weerbaarnl serve` runs.
    With a broker (CI: Redis): a separate `celery worker` process on that broker and the test
    database. Tests using it need committed data: use the `transactional_db` fixture.
    """
    from django.conf import settings
    from django.db import connection

    if settings.EMBEDDED_WORKER:
        from server.worker import EmbeddedWorker

        worker = EmbeddedWorker(concurrency=2).start(with_beat=False)
        yield "embedded"
        worker.stop()
        return
    proc, log = _worker_subprocess(connection.settings_dict["NAME"])
    yield "celery"
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
