"""A group (werkgroep or regional community), hosted here as an ActivityPub Group actor."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Group(models.Model):
    class Mode(models.TextChoices):
        OPEN = "open", _("Open: anyone can join")
        APPROVAL = "approval", _("Approval: admins approve new members")
        PRIVATE = "private", _("Private: members only, not listed")

    actor = models.OneToOneField("federation.Actor", on_delete=models.PROTECT, related_name="group")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.OPEN)
    archived = models.BooleanField(_("archived"), default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self):
        return self.name

    @property
    def slug(self) -> str:
        return self.actor.username
