import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class RemoteContextRefused(Exception):
    """A JSON-LD @context URL that is not bundled was asked for; it is never fetched."""


def bundled_only_document_loader(url: str, options=None):
    """PyLD document loader that serves bundled contexts and refuses everything else."""
    from activitypub.core.settings import app_settings

    for ctx in app_settings.PRESET_CONTEXTS:
        if ctx.matches(url):
            return ctx.as_pyld
    raise RemoteContextRefused(f"JSON-LD context {url!r} is not bundled and is not fetched")


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = "Federatie"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The toolkit's loader falls back to fetching unknown @context URLs over the network
        # (SSRF, and a run-time dependency on other hosts). Replace it: bundled contexts only.
        from pyld import jsonld

        jsonld.set_document_loader(bundled_only_document_loader)
        from . import checks  # noqa: F401
        from . import inbound  # noqa: F401  (registers the core inbound handlers)
