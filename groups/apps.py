from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Groups")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from federation import registry

        from .nodeinfo import group_usage

        registry.register_nodeinfo_usage(group_usage)
