"""Cache of actors on other servers: what we need to verify their signatures and deliver to them."""

from django.db import models


class RemoteActor(models.Model):
    uri = models.URLField(max_length=500, unique=True)
    domain = models.CharField(max_length=255, db_index=True)
    type = models.CharField(max_length=30, blank=True)
    username = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=500, blank=True)
    inbox = models.URLField(max_length=500, blank=True)
    shared_inbox = models.URLField(max_length=500, blank=True)
    outbox = models.URLField(max_length=500, blank=True)
    followers = models.URLField(max_length=500, blank=True)
    url = models.URLField(max_length=500, blank=True)
    manually_approves_followers = models.BooleanField(default=False)
    # The actor's main (RSA) key; further keys (FEP-521a) live in `document`.
    key_id = models.URLField(max_length=500, blank=True, db_index=True)
    public_key_pem = models.TextField(blank=True)
    document = models.JSONField(default=dict)
    fetched_at = models.DateTimeField(null=True, blank=True)
    # When the key was last refetched because a signature failed (at most once per 5 minutes).
    key_refreshed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uri"]

    def __str__(self):
        return f"@{self.username}@{self.domain}" if self.username else self.uri

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox
