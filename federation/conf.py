"""Settings fragments for the toolkit, importable before Django is configured.

server/settings.py takes the toolkit's app list and settings from here so that no module
outside federation/ names the toolkit.
"""


def toolkit_apps() -> list[str]:
    """Django apps the toolkit needs, in order (it requires DRF and django-celery-beat)."""
    return ["rest_framework", "django_celery_beat", "activitypub.core"]


def toolkit_settings(base_url: str) -> dict:
    """The toolkit's FEDERATION settings for a node served at base_url."""
    return {
        "DEFAULT_URL": base_url,
        "FORCE_INSECURE_HTTP": base_url.startswith("http://"),
        "SOFTWARE_NAME": "weerbaarnl",
    }
