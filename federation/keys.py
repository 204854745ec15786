"""Keys of local actors and the instance actor (FEP-2677)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .crypto import generate_ed25519_keypair, generate_rsa_keypair
from .models import Actor, ActorKey

INSTANCE_ACTOR_USERNAME = "weerbaarnl"


def ensure_key(actor: Actor, kind: str = ActorKey.Kind.RSA) -> ActorKey:
    """The actor's key of this kind, generated on first use (RSA-2048 or Ed25519)."""
    key = ActorKey.objects.filter(actor=actor, kind=kind).first()
    if key is not None:
        return key
    pair = generate_rsa_keypair() if kind == ActorKey.Kind.RSA else generate_ed25519_keypair()
    try:
        with transaction.atomic():
            return ActorKey.objects.create(actor=actor, kind=kind, public_pem=pair.public_pem,
                                           private_pem=pair.private_pem)
    except IntegrityError:  # made concurrently by another process
        return ActorKey.objects.get(actor=actor, kind=kind)


def signing_key(actor: Actor) -> tuple[str, str]:
    """(key id, private key PEM) for signing HTTP requests as this actor."""
    key = ensure_key(actor, ActorKey.Kind.RSA)
    return key.key_id, key.private_pem


def instance_actor() -> Actor:
    """The node's own Application actor: signs fetches and server-level activities."""
    actor = Actor.objects.filter(type=Actor.Type.APPLICATION, username=INSTANCE_ACTOR_USERNAME).first()
    if actor is None:
        try:
            with transaction.atomic():
                actor = Actor.objects.create(
                    type=Actor.Type.APPLICATION, username=INSTANCE_ACTOR_USERNAME, name="WeerbaarNL",
                    manually_approves_followers=True, discoverable=False,
                )
        except IntegrityError:
            actor = Actor.objects.get(type=Actor.Type.APPLICATION, username=INSTANCE_ACTOR_USERNAME)
    ensure_key(actor)
    return actor


def instance_signer():
    """A fetch signer (callable(method, url, headers) -> headers to add): draft-cavage signatures
    by the instance actor, so servers in authorized-fetch mode answer our GETs."""
    from .crypto import sign_cavage

    key_id, private_pem = signing_key(instance_actor())

    def sign(method: str, url: str, headers) -> dict[str, str]:
        return sign_cavage(method, url, headers, None, key_id, private_pem)

    return sign
