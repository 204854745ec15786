"""WeerbaarNL node: Django project (settings, urls, Celery app, accounts, CLI)."""

__version__ = "0.1.0"

from .celery import app as celery_app  # noqa: E402  (binds @shared_task to our app)

__all__ = ["celery_app", "__version__"]
