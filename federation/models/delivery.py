"""One activity to one inbox. The row is the truth of delivery; tasks only trigger attempts."""

from django.db import models


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        DROPPED = "dropped"  # refused for good (4xx), blocked, or gave up after the retry window

    activity = models.ForeignKey("federation.Activity", on_delete=models.CASCADE, related_name="deliveries")
    inbox = models.URLField(max_length=500)
    host = models.CharField(max_length=255, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # A 401 is retried once (the receiver may have been fetching our key).
    retried_unauthorized = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "inbox"], name="one_delivery_per_inbox")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.activity_id} → {self.inbox} ({self.status})"
