"""The embedded background worker: a Celery worker and beat inside the web process.

Used when CELERY_BROKER_URL is unset (memory:// broker). Tasks are triggers only; what they
work on is in the database, and the periodic tasks re-trigger anything a restart lost.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


class EmbeddedWorker:
    def __init__(self, concurrency: int = 4):
        self.concurrency = concurrency
        self.controller = None
        self.beat = None
        self.thread: threading.Thread | None = None
        self.started = threading.Event()

    def start(self, with_beat: bool = True, timeout: float = 30.0) -> "EmbeddedWorker":
        from celery import beat
        from celery.worker import WorkController

        from .celery import app

        started = self.started

        class Controller(WorkController):
            def on_consumer_ready(self, consumer):
                started.set()

        self.controller = Controller(
            app=app,
            pool="threads",
            concurrency=self.concurrency,
            hostname="embedded@weerbaarnl",
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            loglevel="WARNING",
        )
        self.thread = threading.Thread(target=self.controller.start, name="embedded-worker", daemon=True)
        self.thread.start()
        if not self.started.wait(timeout):
            raise RuntimeError("the embedded background worker did not start")
        if with_beat:
            self.beat = beat.EmbeddedService(app, thread=True, max_interval=5)
            self.beat.start()
        logger.info("embedded background worker running (%d threads)", self.concurrency)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self.beat is not None:
            self.beat.stop()
        if self.controller is not None:
            self.controller.stop(in_sighandler=False)
        if self.thread is not None:
            self.thread.join(timeout)
