"""A failed login, kept for a short while to rate-limit password guessing."""

from django.db import models
from django.utils import timezone


class LoginFailure(models.Model):
    # The (lower-cased) name that was tried; it need not belong to an account.
    username = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["username", "created"], name="accounts_lf_username_idx"),
            models.Index(fields=["ip_address", "created"], name="accounts_lf_ip_idx"),
        ]

    def __str__(self):
        return f"{self.username} from {self.ip_address} at {self.created:%Y-%m-%d %H:%M:%S}"
