"""The worker side with a real remote server on 127.0.0.1: held items are verified against the
actor document fetched from it (signed as our instance actor), then processed; forged or
unverifiable items are deleted and nothing of them is processed."""

from __future__ import annotations

import pytest

from federation.inbound import follows
from federation.inbound.process import MAX_ATTEMPTS, process_item
from federation.inbound.tasks import refresh_remote_key
from federation.models import Activity, Delivery, Follow, InboxItem, RemoteActor

from .conftest import activity, post_signed

pytestmark = pytest.mark.django_db

GROUP_INBOX = "/groups/crisis/inbox"
GROUP_URI = "http://testserver/groups/crisis"


def followers(client, group: str) -> int:
    response = client.get(f"/groups/{group}/followers", headers={"Accept": "application/activity+json"})
    return response.json()["totalItems"]


def held(client, uri: str, key_id: str, private_pem: str, document: dict | None = None, path: str = GROUP_INBOX):
    """POST a Follow of the group (or `document`) and return the stored, held item."""
    document = document or activity("Follow", uri, object=GROUP_URI)
    response = post_signed(client, path, document, key_id, private_pem)
    assert response.status_code == 202
    return InboxItem.objects.get(activity_id=document["id"])


def test_follow_from_an_unknown_actor_is_verified_cached_and_accepted(client, group, remote_server, alice_keys):
    uri = remote_server.serve_actor("alice", alice_keys.public_pem)
    item = held(client, uri, f"{uri}#main-key", alice_keys.private_pem)
    assert item.status == InboxItem.Status.UNVERIFIED and not remote_server.requests  # nothing fetched yet

    assert process_item(item.pk) == InboxItem.Status.PROCESSED
    item.refresh_from_db()
    assert item.status == InboxItem.Status.PROCESSED and item.request_body == b"" and item.processed_at
    actor = RemoteActor.objects.get(uri=uri)
    assert (actor.key_id, actor.inbox) == (f"{uri}#main-key", f"{uri}/inbox")
    assert actor.shared_inbox == f"{remote_server.base}/inbox"
    follow = Follow.objects.get()
    assert (follow.follower_uri, follow.followee, follow.state) == (uri, group, Follow.State.ACCEPTED)
    accept = Activity.objects.get(type="Accept")
    assert accept.actor == group and accept.payload["object"]["id"] == item.activity_id
    assert list(Delivery.objects.values_list("inbox", flat=True)) == [f"{remote_server.base}/inbox"]
    path, headers = remote_server.requests[0]
    assert path == "/users/alice" and 'keyId="http://testserver/actors/weerbaarnl#main-key"' in headers["Signature"]


def test_follow_of_an_actor_that_approves_manually_waits_for_approval(client, closed_group, remote_server, alice_keys):
    uri = remote_server.serve_actor("alice", alice_keys.public_pem)
    document = activity("Follow", uri, object="http://testserver/groups/besloten")
    item = held(client, uri, f"{uri}#main-key", alice_keys.private_pem, document, path="/groups/besloten/inbox")
    assert process_item(item.pk) == InboxItem.Status.PROCESSED
    follow = Follow.objects.get()
    assert follow.state == Follow.State.PENDING and not Activity.objects.exists()
    assert followers(client, "besloten") == 0

    follows.approve(follow)
    follow.refresh_from_db()
    assert follow.state == Follow.State.ACCEPTED and followers(client, "besloten") == 1
    assert Activity.objects.get().type == "Accept" and Delivery.objects.count() == 1
    with pytest.raises(follows.NotPending):
        follows.approve(follow)


def test_rejected_follow_sends_reject_and_a_new_follow_waits_again(client, closed_group, remote_server, alice_keys):
    uri = remote_server.serve_actor("alice", alice_keys.public_pem)
    document = activity("Follow", uri, object="http://testserver/groups/besloten")
    process_item(held(client, uri, f"{uri}#main-key", alice_keys.private_pem, document, "/groups/besloten/inbox").pk)
    follows.reject(Follow.objects.get())
    assert Follow.objects.get().state == Follow.State.REJECTED
    assert list(Activity.objects.values_list("type", flat=True)) == ["Reject"]

    again = activity("Follow", uri, object="http://testserver/groups/besloten")
    response = post_signed(client, "/groups/besloten/inbox", again, f"{uri}#main-key", alice_keys.private_pem)
    assert response.status_code == 202
    process_item(InboxItem.objects.get(activity_id=again["id"]).pk)  # the key is cached now: pending
    assert Follow.objects.get().state == Follow.State.PENDING


def test_forged_signature_for_an_uncached_key_is_dropped_and_nothing_processed(client, group, remote_server,
                                                                                 alice_keys, bob_keys):
    uri = remote_server.serve_actor("alice", alice_keys.public_pem)
    item = held(client, uri, f"{uri}#main-key", bob_keys.private_pem)
    assert process_item(item.pk) == "dropped"
    assert not InboxItem.objects.exists() and not Follow.objects.exists() and not Activity.objects.exists()


@pytest.mark.parametrize("case", ["not_published", "owned_by_other", "actor_missing", "id_mismatch", "not_an_actor"])
def test_unverifiable_keys_are_dropped(client, group, remote_server, alice_keys, case):
    uri = remote_server.serve_actor("alice", alice_keys.public_pem)
    key_id = f"{uri}#main-key"
    if case == "not_published":
        key_id = f"{uri}#other-key"
    elif case == "owned_by_other":
        key_id = f"{remote_server.base}/keys/1"
        remote_server.routes["/keys/1"] = (200, {"id": key_id, "type": "Key",
                                                 "owner": f"{remote_server.base}/users/mallory",
                                                 "publicKeyPem": alice_keys.public_pem})
    elif case == "actor_missing":
        del remote_server.routes["/users/alice"]
    elif case == "id_mismatch":
        remote_server.routes["/users/alice"][1]["id"] = f"{remote_server.base}/users/mallory"
    else:
        remote_server.routes["/users/alice"][1]["type"] = "Note"
    item = held(client, uri, key_id, alice_keys.private_pem)
    assert process_item(item.pk) == "dropped"
    assert not InboxItem.objects.exists() and not Follow.objects.exists()


@pytest.mark.parametrize("key_path", ["/main-key", "/keys/1"])
def test_keys_published_at_their_own_url_are_accepted(client, group, remote_server, alice_keys, key_path):
    """GoToSocial's keyId has no fragment (`…/main-key`, published in the actor document too); other
    servers publish a Key document at its own URL naming its owner."""
    uri = f"{remote_server.base}/users/alice"
    key_id = uri + key_path if key_path == "/main-key" else remote_server.base + key_path
    if key_path == "/main-key":
        remote_server.serve_actor("alice", alice_keys.public_pem, key_id=key_id)
    else:
        remote_server.serve_actor("alice", alice_keys.public_pem)
        key_document = {"id": key_id, "type": "Key", "owner": uri, "publicKeyPem": alice_keys.public_pem}
        remote_server.routes[key_path] = (200, key_document)
    assert process_item(held(client, uri, key_id, alice_keys.private_pem).pk) == InboxItem.Status.PROCESSED
    assert RemoteActor.objects.get().key_id == key_id and Follow.objects.get().state == Follow.State.ACCEPTED


def test_unreachable_server_is_retried_with_backoff_then_dropped(client, group, remote_server, alice_keys):
    uri = remote_server.serve_actor("alice", alice_keys.public_pem)
    item = held(client, uri, f"{uri}#main-key", alice_keys.private_pem)
    remote_server.routes["/users/alice"] = (503, {"error": "busy"})
    assert process_item(item.pk) == "retry"
    item.refresh_from_db()
    assert item.status == InboxItem.Status.UNVERIFIED and item.attempts == 1 and "503" in item.error
    assert process_item(item.pk) == "skipped"  # not due yet
    outcomes = []
    while InboxItem.objects.filter(pk=item.pk).exists():
        InboxItem.objects.filter(pk=item.pk).update(next_attempt_at=item.received_at)
        outcomes.append(process_item(item.pk))
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 2) + ["dropped"]
    assert not Follow.objects.exists()


def test_cached_key_is_used_without_fetching_again(client, group, remote_server, alice_keys):
    uri = remote_server.serve_actor("alice", alice_keys.public_pem)
    process_item(held(client, uri, f"{uri}#main-key", alice_keys.private_pem).pk)
    fetched = len(remote_server.requests)
    follow = {"id": Follow.objects.get().activity_id, "type": "Follow", "actor": uri, "object": GROUP_URI}
    undo = activity("Undo", uri, object=follow)
    assert post_signed(client, GROUP_INBOX, undo, f"{uri}#main-key", alice_keys.private_pem).status_code == 202
    item = InboxItem.objects.get(activity_id=undo["id"])
    assert item.status == InboxItem.Status.PENDING
    assert process_item(item.pk) == InboxItem.Status.PROCESSED
    assert not Follow.objects.exists() and len(remote_server.requests) == fetched


def test_rotated_key_is_refetched_in_the_background(client, group, remote_server, alice_keys, bob_keys):
    uri = remote_server.serve_actor("alice", alice_keys.public_pem)
    process_item(held(client, uri, f"{uri}#main-key", alice_keys.private_pem).pk)
    remote_server.serve_actor("alice", bob_keys.public_pem)  # same key id, new key
    document = activity("Follow", uri, object=GROUP_URI)
    assert post_signed(client, GROUP_INBOX, document, f"{uri}#main-key", bob_keys.private_pem).status_code == 401
    assert RemoteActor.objects.get().key_refreshed_at is not None
    assert refresh_remote_key(uri) == "refreshed"  # what the scheduled task does
    assert post_signed(client, GROUP_INBOX, document, f"{uri}#main-key", bob_keys.private_pem).status_code == 202
    assert InboxItem.objects.get(activity_id=document["id"]).status == InboxItem.Status.PENDING
