"""An invitation code for invite-only nodes, made by an administrator in the admin."""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def generate_invite_code() -> str:
    """128 bits from the OS random source, URL-safe: not guessable, fine in a link."""
    return secrets.token_urlsafe(16)


class Invite(models.Model):
    code = models.CharField(
        _("code"), max_length=64, unique=True, default=generate_invite_code, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="invites_created", verbose_name=_("created by"),
    )
    max_uses = models.PositiveIntegerField(
        _("maximum uses"), null=True, blank=True, default=1, validators=[MinValueValidator(1)],
        help_text=_("How many accounts can sign up with this code. Leave empty for no limit."),
    )
    uses = models.PositiveIntegerField(_("uses"), default=0, editable=False)
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Leave empty for an invitation that does not expire."),
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("For administrators only: who or what this invitation is for."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return self.note or self.code[:8] + "…"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def is_used_up(self) -> bool:
        return self.max_uses is not None and self.uses >= self.max_uses

    def is_usable(self, now=None) -> bool:
        return not self.is_expired(now) and not self.is_used_up()

    @property
    def signup_url(self) -> str:
        """The full sign-up link with this code filled in, on the node's public address."""
        return f"{settings.WEERBAAR_URL}{reverse('accounts:signup')}?invite={self.code}"
