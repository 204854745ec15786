"""Instance settings the node's administrators change at run time (in the admin)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_region(value):
    from capabilities.regions import regions

    if value and value not in regions():
        raise ValidationError(_("Unknown safety region code. Use VR01 to VR25."))


class NodeSettings(models.Model):
    """Singleton row (pk=1)."""

    class Registration(models.TextChoices):
        OPEN = "open", _("Open: anyone can sign up")
        APPROVAL = "approval", _("Approval: an administrator approves each sign-up")
        INVITE = "invite", _("Invite only: sign up with an invitation code")

    name = models.CharField(_("node name"), max_length=200, default="WeerbaarNL")
    description = models.TextField(_("description"), blank=True)
    region = models.CharField(
        _("safety region"), max_length=4, blank=True, validators=[validate_region],
        help_text=_("The veiligheidsregio this node serves, VR01 to VR25."),
    )
    registration_mode = models.CharField(
        _("sign-up"), max_length=20, choices=Registration.choices, default=Registration.APPROVAL
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("node settings")
        verbose_name_plural = _("node settings")

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "NodeSettings":
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def region_name(self) -> str:
        from capabilities.regions import regions

        region = regions().get(self.region)
        return region.name if region else ""
