"""Rows the delivery tests need: local actors, cached remote actors, follows."""

from federation.models import Actor, Follow, RemoteActor
from federation.policy import domain_of


def make_actor(username: str = "anna", type: str = Actor.Type.PERSON) -> Actor:
    return Actor.objects.create(type=type, username=username)


def remote(uri: str, inbox: str = "", shared_inbox: str = "", **fields) -> RemoteActor:
    return RemoteActor.objects.create(uri=uri, domain=domain_of(uri), inbox=inbox or f"{uri}/inbox",
                                      shared_inbox=shared_inbox, **fields)


def follow(actor: Actor, follower_uri: str, state: str = Follow.State.ACCEPTED) -> Follow:
    return Follow.objects.create(follower_uri=follower_uri, followee_uri=actor.uri, followee=actor, state=state)
