"""How this node federates: with everyone (minus blocks) or only with listed domains."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FederationPolicy(models.Model):
    """Singleton row (pk=1) holding the instance-wide federation mode."""

    class Mode(models.TextChoices):
        OPEN = "open", _("Open: federate with every server that is not blocked")
        ALLOWLIST = "allowlist", _("Allow-list: federate only with listed domains")

    mode = models.CharField(_("federation mode"), max_length=20, choices=Mode.choices, default=Mode.OPEN)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("federation policy")
        verbose_name_plural = _("federation policy")

    def __str__(self):
        return self.get_mode_display()

    @classmethod
    def current(cls) -> "FederationPolicy":
        return cls.objects.get_or_create(pk=1)[0]
