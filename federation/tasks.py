"""Celery finds the federation tasks through this module."""
from .delivery.tasks import *  # noqa: F401,F403
from .inbound.tasks import *  # noqa: F401,F403
