"""A deleted local object: its URI answers 410 Gone with an ActivityStreams Tombstone."""

from django.db import models


class Tombstone(models.Model):
    uri = models.URLField(max_length=500, unique=True)
    former_type = models.CharField(max_length=40)
    deleted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.uri

    def as_activitystreams(self) -> dict:
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.uri,
            "type": "Tombstone",
            "formerType": self.former_type,
            "deleted": self.deleted_at.isoformat().replace("+00:00", "Z"),
        }
