"""A participating organisation, hosted here as an ActivityPub Organization actor."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..regions import regions


def validate_region_codes(value):
    unknown = [code for code in value or [] if code not in regions()]
    if unknown:
        raise ValidationError(
            _("Unknown safety region code(s): %(codes)s. Use VR01 to VR25."),
            params={"codes": ", ".join(map(str, unknown))},
        )


class Organisation(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        SAFETY_PARTNER = "safety_partner", _("Safety partner")
        BUSINESS = "business", _("Business")
        NGO = "ngo", _("NGO")
        KNOWLEDGE = "knowledge_institute", _("Knowledge institute")
        CITIZEN = "citizen_initiative", _("Citizen initiative")

    actor = models.OneToOneField("federation.Actor", on_delete=models.PROTECT, related_name="organisation")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    regions = models.JSONField(_("regions served"), default=list, validators=[validate_region_codes])
    website = models.URLField(_("website"), blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    @property
    def slug(self) -> str:
        return self.actor.username
