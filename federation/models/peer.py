"""Another server, by domain: the instance policy for it and the health of delivery to it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Peer(models.Model):
    class State(models.TextChoices):
        AVAILABLE = "available", _("available")
        UNAVAILABLE = "unavailable", _("unavailable")

    domain = models.CharField(_("domain"), max_length=255, unique=True)
    blocked = models.BooleanField(_("blocked"), default=False,
                                  help_text=_("Refuse everything from this domain and send nothing to it."))
    allowed = models.BooleanField(_("on the allow-list"), default=False,
                                  help_text=_("In allow-list mode only listed domains federate."))
    reason = models.TextField(_("reason"), blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.AVAILABLE)
    first_failure_at = models.DateTimeField(null=True, blank=True)  # start of the current failure streak
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("peer server")
        verbose_name_plural = _("peer servers")

    def __str__(self):
        return self.domain
