from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapabilitiesConfig(AppConfig):
    name = "capabilities"
    verbose_name = _("Capabilities")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from federation import registry

        from .nodeinfo import organisation_usage

        registry.register_nodeinfo_usage(organisation_usage)
