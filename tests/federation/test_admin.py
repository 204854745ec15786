"""The federation admin: peers can be blocked there with the same effect as the CLI."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from federation.models import Activity, Delivery, Follow, Peer
from federation.services import create_local_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root_admin", "root@example.org", "een-lang-wachtwoord-42")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["peer", "delivery", "inboxitem", "actor", "federationpolicy"])
def test_changelists_load(admin_client, model):
    assert admin_client.get(f"/admin/federation/{model}/").status_code == 200


def test_blocking_in_the_admin_drops_deliveries_and_follows(admin_client):
    anna = create_local_actor("Person", "anna")
    activity = Activity.objects.create(actor=anna, type="Create", payload={})
    Delivery.objects.create(activity=activity, inbox="https://bad.example/inbox", host="bad.example",
                            next_attempt_at=timezone.now())
    Follow.objects.create(follower_uri="https://bad.example/users/x", followee_uri=anna.uri, followee=anna,
                          state=Follow.State.ACCEPTED)
    response = admin_client.post("/admin/federation/peer/add/", {"domain": "bad.example", "blocked": "on",
                                                                  "reason": "spam"})
    assert response.status_code == 302
    assert Peer.objects.get(domain="bad.example").blocked
    assert Delivery.objects.get().status == Delivery.Status.DROPPED
    assert not Follow.objects.exists()
