"""Core handlers and the processing machinery, driven end to end: a signed POST by a cached
remote actor, then the worker function. Nothing here talks to another server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from federation import registry
from federation.inbound import handlers, process
from federation.inbound.process import claim, process_item
from federation.inbound.tasks import sweep_inbox
from federation.models import Follow, InboxItem, Peer, RemoteActor

from .conftest import ALICE, BOB, activity, cache_actor, post_signed

pytestmark = pytest.mark.django_db

GROUP_URI = "http://testserver/groups/crisis"


@pytest.fixture
def alice(alice_keys):
    return cache_actor(ALICE, alice_keys.public_pem)


@pytest.fixture
def bob(bob_keys):
    return cache_actor(BOB, bob_keys.public_pem)


def deliver(client, document: dict, keys, path: str = "/inbox") -> InboxItem:
    """POST as the document's actor (cached), process it, return the item afterwards."""
    response = post_signed(client, path, document, document["actor"] + "#main-key", keys.private_pem)
    assert response.status_code == 202, response.content
    item = InboxItem.objects.get(activity_id=document["id"])
    process_item(item.pk)
    item.refresh_from_db()
    return item


def test_core_handler_table_resolves_each_pair_to_exactly_its_handler():
    for (activity_type, object_type), func in handlers.CORE_HANDLERS.items():
        assert registry.resolve_handler(activity_type, object_type) is func
        assert registry.registered_handlers()[(activity_type, object_type)] is func
    core_types = {key[0] for key in handlers.CORE_HANDLERS}
    assert core_types == {"Follow", "Accept", "Reject", "Undo", "Update", "Delete", "Block"}
    with pytest.raises(registry.DuplicateHandler):
        registry.handler("Follow", "Group")(lambda ctx: None)


def test_undo_follow_only_by_the_follower(client, group, alice, bob, alice_keys, bob_keys):
    follow_doc = activity("Follow", ALICE, object=GROUP_URI)
    deliver(client, follow_doc, alice_keys)
    assert Follow.objects.get().state == Follow.State.ACCEPTED

    by_bob = deliver(client, activity("Undo", BOB, object=follow_doc["id"]), bob_keys)
    assert by_bob.status == InboxItem.Status.FAILED and "only" in by_bob.error
    assert Follow.objects.count() == 1

    by_alice = deliver(client, activity("Undo", ALICE, object=follow_doc | {"id": follow_doc["id"]}), alice_keys)
    assert by_alice.status == InboxItem.Status.PROCESSED and not Follow.objects.exists()


@pytest.mark.parametrize("shape", ["embedded", "uri", "pair"])
def test_accept_of_our_follow_by_the_followee(client, person, alice, alice_keys, shape):
    ours = Follow.objects.create(follower=person, follower_uri=person.uri, followee_uri=ALICE,
                                 activity_id="http://testserver/activities/6a1f3c8e-0000-4000-8000-000000000001")
    follow_obj = {"id": ours.activity_id, "type": "Follow", "actor": person.uri, "object": ALICE}
    pair = {key: value for key, value in follow_obj.items() if key != "id"}
    obj = {"embedded": follow_obj, "uri": ours.activity_id, "pair": pair}[shape]
    item = deliver(client, activity("Accept", ALICE, object=obj), alice_keys, "/users/anna/inbox")
    assert item.status == InboxItem.Status.PROCESSED
    ours.refresh_from_db()
    assert ours.state == Follow.State.ACCEPTED


def test_accept_or_reject_by_anyone_else_changes_nothing(client, person, alice, bob, bob_keys):
    ours = Follow.objects.create(follower=person, follower_uri=person.uri, followee_uri=ALICE,
                                 activity_id="http://testserver/activities/6a1f3c8e-0000-4000-8000-000000000002")
    for kind in ("Accept", "Reject"):
        item = deliver(client, activity(kind, BOB, object={"id": ours.activity_id, "type": "Follow",
                                                           "actor": person.uri, "object": ALICE}), bob_keys)
        assert item.status == InboxItem.Status.FAILED
    ours.refresh_from_db()
    assert ours.state == Follow.State.PENDING


def test_reject_of_our_follow(client, person, alice, alice_keys):
    ours = Follow.objects.create(follower=person, follower_uri=person.uri, followee_uri=ALICE,
                                 state=Follow.State.ACCEPTED,
                                 activity_id="http://testserver/activities/6a1f3c8e-0000-4000-8000-000000000003")
    deliver(client, activity("Reject", ALICE, object={"id": ours.activity_id, "type": "Follow",
                                                      "actor": person.uri, "object": ALICE}), alice_keys)
    ours.refresh_from_db()
    assert ours.state == Follow.State.REJECTED


def test_update_of_an_actor_by_itself_refreshes_the_cache(client, alice, alice_keys):
    document = {"id": ALICE, "type": "Person", "preferredUsername": "alice", "name": "Alice Nieuw",
                "inbox": f"{ALICE}/inbox2", "endpoints": {"sharedInbox": "https://remote.example/inbox"},
                "manuallyApprovesFollowers": True,
                "publicKey": {"id": f"{ALICE}#main-key", "owner": ALICE, "publicKeyPem": alice_keys.public_pem}}
    item = deliver(client, activity("Update", ALICE, object=document), alice_keys)
    assert item.status == InboxItem.Status.PROCESSED
    cached = RemoteActor.objects.get(uri=ALICE)
    assert (cached.name, cached.inbox, cached.manually_approves_followers) == ("Alice Nieuw", f"{ALICE}/inbox2", True)


def test_update_or_delete_of_another_actor_on_the_same_server_fails(client, alice, bob, alice_keys):
    before = list(RemoteActor.objects.values_list("uri", "name", "inbox", "deleted_at"))
    update = deliver(client, activity("Update", ALICE, object={"id": BOB, "type": "Person", "name": "pwned",
                                                               "inbox": f"{ALICE}/steal"}), alice_keys)
    delete = deliver(client, activity("Delete", ALICE, object=BOB), alice_keys)
    assert update.status == delete.status == InboxItem.Status.FAILED
    assert list(RemoteActor.objects.values_list("uri", "name", "inbox", "deleted_at")) == before


@pytest.mark.parametrize("kind", ["Update", "Delete"])
def test_update_or_delete_of_an_object_attributed_to_someone_else_fails(client, alice, alice_keys, kind):
    obj = {"id": "https://remote.example/notes/7", "type": "Note", "attributedTo": BOB, "content": "x"}
    item = deliver(client, activity(kind, ALICE, object=obj), alice_keys)
    assert item.status == InboxItem.Status.FAILED and "attributed" in item.error


def test_delete_of_an_actor_by_itself(client, group, person, alice, alice_keys):
    Follow.objects.create(follower_uri=ALICE, followee_uri=group.uri, followee=group, state=Follow.State.ACCEPTED)
    Follow.objects.create(follower=person, follower_uri=person.uri, followee_uri=ALICE, state=Follow.State.ACCEPTED)
    item = deliver(client, activity("Delete", ALICE, object=ALICE), alice_keys)
    assert item.status == InboxItem.Status.PROCESSED
    assert RemoteActor.objects.get(uri=ALICE).deleted_at is not None and not Follow.objects.exists()


def test_block_removes_follows_both_ways(client, group, alice, alice_keys):
    Follow.objects.create(follower_uri=ALICE, followee_uri=group.uri, followee=group, state=Follow.State.ACCEPTED)
    Follow.objects.create(follower=group, follower_uri=group.uri, followee_uri=ALICE, state=Follow.State.ACCEPTED)
    Follow.objects.create(follower_uri=BOB, followee_uri=group.uri, followee=group, state=Follow.State.ACCEPTED)
    item = deliver(client, activity("Block", ALICE, object=GROUP_URI), alice_keys)
    assert item.status == InboxItem.Status.PROCESSED
    assert list(Follow.objects.values_list("follower_uri", flat=True)) == [BOB]


def test_activity_without_a_handler_is_ignored(client, alice, alice_keys):
    item = deliver(client, activity("Arrive", ALICE, object="https://remote.example/places/1"), alice_keys)
    assert item.status == InboxItem.Status.IGNORED and "no handler" in item.error


def test_follow_of_something_that_is_not_a_local_actor_is_ignored(client, alice, alice_keys):
    item = deliver(client, activity("Follow", ALICE, object="http://testserver/groups/nobody"), alice_keys)
    assert item.status == InboxItem.Status.IGNORED and not Follow.objects.exists()


def test_domain_blocked_after_receipt_is_not_processed(client, group, alice, alice_keys):
    document = activity("Follow", ALICE, object=GROUP_URI)
    assert post_signed(client, "/inbox", document, f"{ALICE}#main-key", alice_keys.private_pem).status_code == 202
    Peer.objects.create(domain="remote.example", blocked=True)
    process_item(InboxItem.objects.get().pk)
    assert InboxItem.objects.get().status == InboxItem.Status.FAILED and not Follow.objects.exists()


def test_handler_errors_fail_the_item_and_transient_fetch_errors_retry(client, alice, alice_keys, monkeypatch):
    from federation.fetching import BadJson, FetchTimeout

    errors = iter([FetchTimeout("slow"), BadJson("broken"), RuntimeError("bug")])

    def flaky(ctx):
        raise next(errors)

    monkeypatch.setitem(registry._handlers, ("Arrive", None), flaky)
    document = activity("Arrive", ALICE, object="https://remote.example/places/2")
    item = deliver(client, document, alice_keys)
    assert (item.status, item.attempts) == (InboxItem.Status.PENDING, 1) and item.next_attempt_at > timezone.now()
    InboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    process_item(item.pk)
    item.refresh_from_db()
    assert item.status == InboxItem.Status.FAILED and "broken" in item.error

    second = deliver(client, activity("Arrive", ALICE, object="https://remote.example/places/3"), alice_keys)
    assert second.status == InboxItem.Status.FAILED and second.error == "RuntimeError: bug"


def test_two_workers_never_hold_the_same_item(client, alice, alice_keys):
    document = activity("Arrive", ALICE, object="https://remote.example/places/4")
    post_signed(client, "/inbox", document, f"{ALICE}#main-key", alice_keys.private_pem)
    item = InboxItem.objects.get()
    first = claim(item.pk)
    assert first is not None and claim(item.pk) is None  # leased
    InboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())  # the first worker died
    second = claim(item.pk)
    assert second.attempts == 2
    process.dispatch(first, process.FetchBudget())  # the stale worker finishes late: no effect
    assert InboxItem.objects.get().status == InboxItem.Status.PENDING
    process.dispatch(second, process.FetchBudget())
    assert InboxItem.objects.get().status == InboxItem.Status.IGNORED


def test_sweep_requeues_due_items_and_expires_old_held_ones(client, alice_keys, monkeypatch):
    queued = []
    monkeypatch.setattr("federation.inbound.tasks.process_inbox_item.delay", queued.append)
    for _ in range(3):  # held: the key is not cached
        post_signed(client, "/inbox", activity("Arrive", ALICE, object="https://remote.example/p"),
                    f"{ALICE}#main-key", alice_keys.private_pem)
    old, leased, due = InboxItem.objects.order_by("pk")
    InboxItem.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=2))
    InboxItem.objects.filter(pk=leased.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert sweep_inbox() == 1
    assert queued == [due.pk] and not InboxItem.objects.filter(pk=old.pk).exists()
