"""A local account. Each account is a Person actor (federation.Actor) with the same username."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Approval(models.TextChoices):
        APPROVED = "approved", _("Approved")
        PENDING = "pending", _("Waiting for approval")
        REJECTED = "rejected", _("Rejected")

    actor = models.OneToOneField(
        "federation.Actor", on_delete=models.PROTECT, null=True, blank=True, related_name="user"
    )
    approval = models.CharField(
        _("approval"), max_length=10, choices=Approval.choices, default=Approval.APPROVED
    )
    signup_reason = models.TextField(_("why do you want to join?"), blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
