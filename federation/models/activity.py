"""An activity published by a local actor. Its JSON is fixed when it is created."""

import uuid

from django.conf import settings
from django.db import models


class Activity(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey("federation.Actor", on_delete=models.CASCADE, related_name="activities")
    type = models.CharField(max_length=40)
    object_uri = models.URLField(max_length=500, blank=True, db_index=True)
    payload = models.JSONField()
    # Public activities are listed in the actor's outbox.
    public = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["actor", "public", "-created"], name="activity_outbox")]

    def __str__(self):
        return f"{self.type} by {self.actor} ({self.uuid})"

    @property
    def uri(self) -> str:
        return f"{settings.WEERBAAR_URL}/activities/{self.uuid}"
