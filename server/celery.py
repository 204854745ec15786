"""The Celery application. Broker from CELERY_BROKER_URL; memory:// means embedded."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

app = Celery("weerbaarnl")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["server", "federation", "groups", "capabilities"])

# Periodic work. Each entry only re-triggers what the database says is due.
app.conf.beat_schedule = {
    "retry-due-email": {"task": "server.retry_due_email", "schedule": 60.0},
    "sweep-deliveries": {"task": "federation.sweep_deliveries", "schedule": 10.0},
    "sweep-inbox": {"task": "federation.sweep_inbox", "schedule": 30.0},
}
