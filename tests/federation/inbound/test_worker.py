"""The real background worker (embedded, or a Celery worker process on the broker) picks an inbox
item up after the request's transaction commits and processes it exactly once."""

from __future__ import annotations

import pytest

from federation.models import Follow, InboxItem
from federation.services import create_local_actor
from tests.conftest import wait_for

from .conftest import ALICE, activity, cache_actor, post_signed


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_follow_is_processed_by_the_worker_after_commit(client, background_worker, alice_keys):
    group = create_local_actor("Group", "werkers")
    # Delivery of the Accept must not leave this machine: the cached inbox is a loopback address,
    # which the worker's fetcher refuses (no FEDERATION_ALLOW_PRIVATE there).
    cache_actor(ALICE, alice_keys.public_pem, inbox="https://127.0.0.1:9/inbox", shared_inbox="")
    document = activity("Follow", ALICE, object=group.uri)
    response = post_signed(client, "/groups/werkers/inbox", document, f"{ALICE}#main-key", alice_keys.private_pem)
    assert response.status_code == 202

    item = wait_for(lambda: InboxItem.objects.filter(status=InboxItem.Status.PROCESSED).first(), timeout=30,
                    message="the worker to process the Follow")
    assert item.attempts == 1 and item.activity_id == document["id"]
    assert Follow.objects.get().state == Follow.State.ACCEPTED
