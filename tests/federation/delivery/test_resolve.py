"""Recipients publish() did not know: fetched by the worker, then delivered to."""

from __future__ import annotations

import pytest

from federation.crypto import verify_request
from federation.delivery import publish
from federation.delivery.resolve import resolve_recipients
from federation.delivery.send import deliver
from federation.models import Delivery

from .helpers import make_actor

NOTE = {"type": "Create", "object": "http://testserver/notes/1"}


@pytest.mark.django_db
def test_an_unknown_recipient_is_fetched_and_delivered_to(sink, private_ok, federation_logs):
    bob = sink.url("/users/bob")
    sink.documents["/users/bob"] = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": bob, "type": "Person",
        "inbox": sink.url("/users/bob/inbox"), "endpoints": {"sharedInbox": sink.url("/inbox")},
    }
    activity = publish(make_actor(), NOTE, recipients=[bob, sink.url("/users/nobody")])
    assert not activity.deliveries.exists()
    assert resolve_recipients(activity.pk, [bob, sink.url("/users/nobody")]) == 1
    delivery = activity.deliveries.get()
    assert delivery.inbox == sink.url("/inbox") and delivery.host == sink.host
    assert "fetching the recipient failed" in federation_logs.text
    # Fetched with a signed GET by the instance actor (servers in authorized-fetch mode answer).
    assert 'keyId="http://testserver/actors/weerbaarnl#main-key"' in dict(sink.fetched[0].headers)["Signature"]
    assert deliver(delivery.pk, delivery.next_attempt_at.isoformat()) == "delivered"
    [post] = sink.received
    key = activity.actor.keys.get(kind="rsa").public_pem
    assert verify_request("POST", sink.url("/inbox"), post.headers, post.body, key)
    # Resolving again adds nothing: one delivery per (activity, inbox).
    assert resolve_recipients(activity.pk, [bob]) == 0
    assert Delivery.objects.count() == 1


@pytest.mark.django_db
def test_unknown_recipients_on_private_addresses_are_not_fetched(sink, settings):
    settings.FEDERATION_ALLOW_PRIVATE = False
    sink.documents["/users/bob"] = {"id": sink.url("/users/bob"), "type": "Person", "inbox": sink.url("/inbox")}
    activity = publish(make_actor(), NOTE)
    assert resolve_recipients(activity.pk, [sink.url("/users/bob")]) == 0
    assert not Delivery.objects.exists() and sink.fetched == []
