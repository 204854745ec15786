"""An activity received in an inbox: stored once, processed later by the worker."""

from django.db import models


class InboxItem(models.Model):
    class Status(models.TextChoices):
        # Signed with a key we had not cached: held as received until the worker has fetched
        # the key and verified the signature. Deleted if that fails.
        UNVERIFIED = "unverified"
        PENDING = "pending"  # verified, waiting to be processed
        PROCESSED = "processed"
        FAILED = "failed"  # a handler failed; see `error`
        IGNORED = "ignored"  # no handler for this activity, or nothing to do

    activity_id = models.URLField(max_length=500, unique=True)
    type = models.CharField(max_length=40)
    actor_uri = models.URLField(max_length=500, db_index=True)
    key_id = models.URLField(max_length=500, blank=True)
    # The inbox it arrived at: a local actor's inbox, or None for the shared inbox.
    recipient = models.ForeignKey("federation.Actor", null=True, blank=True, on_delete=models.SET_NULL)
    payload = models.JSONField()
    # Only for UNVERIFIED items: what is needed to verify the signature later.
    request_method = models.CharField(max_length=10, blank=True)
    request_url = models.URLField(max_length=1000, blank=True)
    request_headers = models.JSONField(default=dict, blank=True)
    request_body = models.BinaryField(blank=True, default=b"")
    status = models.CharField(max_length=12, choices=Status.choices, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at"]

    def __str__(self):
        return f"{self.type} {self.activity_id} ({self.status})"
