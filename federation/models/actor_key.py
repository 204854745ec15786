"""Signing keys of local actors: RSA-2048 for HTTP signatures, Ed25519 for object proofs."""

from django.db import models


class ActorKey(models.Model):
    class Kind(models.TextChoices):
        RSA = "rsa", "RSA-2048"
        ED25519 = "ed25519", "Ed25519"

    # The key id fragment per kind, e.g. https://node/users/anna#main-key
    FRAGMENT = {Kind.RSA: "main-key", Kind.ED25519: "ed25519-key"}

    actor = models.ForeignKey("federation.Actor", on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    public_pem = models.TextField()
    private_pem = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "kind"], name="one_key_per_kind")]

    def __str__(self):
        return self.key_id

    @property
    def key_id(self) -> str:
        return f"{self.actor.uri}#{self.FRAGMENT[self.kind]}"
