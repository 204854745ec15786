"""End to end: publish → the background worker (embedded, or a celery process on the broker)
delivers to a real inbox server on loopback."""

from __future__ import annotations

import pytest

from federation.crypto import verify_request
from federation.delivery import publish
from federation.models import Delivery
from tests.conftest import wait_for

from .helpers import follow, make_actor, remote


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_a_published_activity(background_worker, sink, private_ok):
    anna = make_actor()
    for name in ("a", "b"):
        remote(sink.url(f"/users/{name}"), shared_inbox=sink.url("/inbox"))
        follow(anna, sink.url(f"/users/{name}"))
    remote(sink.url("/users/c"))
    activity = publish(anna, {"type": "Create", "object": "http://testserver/notes/1"},
                       to_followers=True, recipients=[sink.url("/users/c")])
    wait_for(lambda: Delivery.objects.filter(status="delivered").count() == 2, 30, message="both deliveries")
    assert sorted(request.path for request in sink.received) == ["/inbox", "/users/c/inbox"]
    key = anna.keys.get(kind="rsa").public_pem
    for request in sink.received:
        verify_request("POST", sink.url(request.path), request.headers, request.body, key)
    assert all(d.attempts == 1 for d in activity.deliveries.all())
