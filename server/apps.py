from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServerConfig(AppConfig):
    name = "server"
    label = "server"
    verbose_name = _("Node")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from federation import registry

        from .nodeinfo import node_metadata

        registry.register_nodeinfo_metadata(node_metadata)
