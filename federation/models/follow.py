"""A follow relationship between two actors, at least one of them local. An explicit state machine:
pending → accepted | rejected; accepted → (Undo) removed."""

from django.db import models


class Follow(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    follower_uri = models.URLField(max_length=500)
    followee_uri = models.URLField(max_length=500)
    # The local side(s); the remote side is known by URI (and RemoteActor).
    follower = models.ForeignKey("federation.Actor", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="following_set")
    followee = models.ForeignKey("federation.Actor", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="follower_set")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    activity_id = models.URLField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["follower_uri", "followee_uri"], name="one_follow_per_pair")]
        indexes = [
            models.Index(fields=["followee", "state"], name="follow_followee_state"),
            models.Index(fields=["activity_id"], name="follow_activity_id"),
        ]

    def __str__(self):
        return f"{self.follower_uri} → {self.followee_uri} ({self.state})"
