"""System checks for the federation configuration."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def private_federation_in_production(app_configs, **kwargs):
    if settings.FEDERATION_ALLOW_PRIVATE and settings.WEERBAAR_SCHEME == "https":
        return [
            checks.Warning(
                "WEERBAAR_FEDERATION_ALLOW_PRIVATE is on for an https node.",
                hint="Unset WEERBAAR_FEDERATION_ALLOW_PRIVATE: it is only for local test clusters.",
                id="weerbaarnl.W001",
            )
        ]
    return []
