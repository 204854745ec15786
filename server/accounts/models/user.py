"""A local account. Each account is a Person actor (federation.Actor) with the same username."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

BIO_MAX_LENGTH = 2000


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
    # Plain text, shown escaped with line breaks; also the summary of the Person actor.
    bio = models.TextField(_("about me"), max_length=BIO_MAX_LENGTH, blank=True)
    # The invitation this account signed up with (invite-only nodes).
    invite = models.ForeignKey(
        "accounts.Invite", on_delete=models.SET_NULL, null=True, blank=True, related_name="users",
        verbose_name=_("invitation"),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # One account per e-mail address, whatever its case (empty allowed: the CLI can
            # create administrators without one).
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
        ]

    @property
    def is_public(self) -> bool:
        """Whether the profile page is shown: active and approved accounts only."""
        return self.is_active and self.approval == self.Approval.APPROVED
