"""Services other packages call to create, change and delete local actors."""

import pytest

from federation.models import Activity, Delivery, Follow, RemoteActor, Tombstone
from federation.services import create_local_actor, delete_local_actor, update_local_actor

pytestmark = pytest.mark.django_db


def test_delete_local_actor_tombstones_and_tells_followers_and_followees():
    anna = create_local_actor("Person", "anna")
    for name, inbox in (("fan", "https://one.example/inbox"), ("idol", "https://two.example/inbox")):
        RemoteActor.objects.create(uri=f"https://{inbox.split('/')[2]}/users/{name}", domain=inbox.split("/")[2],
                                   inbox=inbox)
    Follow.objects.create(follower_uri="https://one.example/users/fan", followee_uri=anna.uri, followee=anna,
                          state=Follow.State.ACCEPTED)
    Follow.objects.create(follower_uri=anna.uri, follower=anna, followee_uri="https://two.example/users/idol",
                          state=Follow.State.ACCEPTED)

    delete_local_actor(anna)

    anna.refresh_from_db()
    assert anna.deleted_at is not None
    assert Tombstone.objects.get(uri=anna.uri).former_type == "Person"
    assert not Follow.objects.exists()
    activity = Activity.objects.get(actor=anna, type="Delete")
    assert activity.payload["object"] == anna.uri
    assert set(Delivery.objects.filter(activity=activity).values_list("inbox", flat=True)) == {
        "https://one.example/inbox", "https://two.example/inbox",
    }


def test_update_local_actor_sends_update_to_followers():
    group = create_local_actor("Group", "hoogwater", name="Hoogwater")
    RemoteActor.objects.create(uri="https://one.example/users/fan", domain="one.example",
                               inbox="https://one.example/users/fan/inbox", shared_inbox="https://one.example/inbox")
    Follow.objects.create(follower_uri="https://one.example/users/fan", followee_uri=group.uri, followee=group,
                          state=Follow.State.ACCEPTED)

    update_local_actor(group, name="Hoogwater en evacuatie", summary="Nieuwe omschrijving")

    activity = Activity.objects.get(actor=group, type="Update")
    assert activity.payload["object"]["id"] == group.uri
    assert activity.payload["object"]["name"] == "Hoogwater en evacuatie"
    assert list(Delivery.objects.filter(activity=activity).values_list("inbox", flat=True)) == [
        "https://one.example/inbox"
    ]


def test_update_without_followers_sends_nothing():
    person = create_local_actor("Person", "piet")
    update_local_actor(person, name="Piet")
    assert not Delivery.objects.exists()
