from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "server.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from federation import registry

        from .nodeinfo import user_usage

        registry.register_nodeinfo_usage(user_usage)
        registry.register_profile_url(
            "Person", lambda actor: reverse("accounts:profile", args=[actor.username])
        )
