"""WSGI entry point (waitress via `weerbaarnl serve`, or gunicorn server.wsgi)."""

import os

from server.config import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
load_settings_or_exit()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
