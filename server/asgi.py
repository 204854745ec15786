"""ASGI entry point."""

import os

from server.config import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
load_settings_or_exit()

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
