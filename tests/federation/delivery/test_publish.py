"""publish(): the stored activity, which Delivery rows it creates, and what it enqueues."""

from __future__ import annotations

import pytest

from federation.delivery import publish
from federation.delivery import tasks as delivery_tasks
from federation.models import Activity, Delivery, FederationPolicy, Follow, Peer

from .helpers import follow, make_actor, remote

NOTE = {"type": "Create", "object": {"id": "http://testserver/notes/1", "type": "Note", "content": "Hoi"}}


@pytest.fixture
def triggers(monkeypatch):
    """Record the tasks publish() triggers instead of sending them to the broker."""
    calls = {"deliver": [], "resolve": []}
    monkeypatch.setattr(delivery_tasks.deliver_one, "delay", lambda *a: calls["deliver"].append(a))
    monkeypatch.setattr(delivery_tasks.resolve_and_deliver, "delay", lambda *a: calls["resolve"].append(a))
    return calls


def inboxes(activity: Activity) -> list[str]:
    return sorted(activity.deliveries.values_list("inbox", flat=True))


@pytest.mark.django_db
def test_publish_stores_the_activity_with_id_actor_and_context():
    anna = make_actor()
    activity = publish(anna, dict(NOTE, actor="https://evil.example/users/mallory"), public=True)
    stored = Activity.objects.get(pk=activity.pk)
    assert stored.payload["id"] == activity.uri == f"http://testserver/activities/{activity.uuid}"
    assert stored.payload["actor"] == anna.uri
    assert stored.payload["@context"] == "https://www.w3.org/ns/activitystreams"
    assert stored.type == "Create" and stored.object_uri == "http://testserver/notes/1" and stored.public
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_publish_keeps_a_local_id_and_refuses_a_foreign_one_or_no_type():
    anna = make_actor()
    given = publish(anna, {"type": "Follow", "id": "http://testserver/follows/7", "object": "https://x.example/u"})
    assert given.payload["id"] == "http://testserver/follows/7"
    with pytest.raises(ValueError):
        publish(anna, {"type": "Follow", "id": "https://other.example/follows/7"})
    with pytest.raises(ValueError):
        publish(anna, {"object": "x"})
    assert Activity.objects.count() == 1


@pytest.mark.django_db
def test_followers_on_one_shared_inbox_get_one_delivery():
    anna = make_actor()
    for name in ("a", "b", "c"):
        remote(f"https://masto.example/users/{name}", shared_inbox="https://masto.example/inbox")
        follow(anna, f"https://masto.example/users/{name}")
    activity = publish(anna, NOTE, to_followers=True)
    assert inboxes(activity) == ["https://masto.example/inbox"]
    assert activity.deliveries.get().host == "masto.example"


@pytest.mark.django_db
def test_distinct_inboxes_get_distinct_deliveries_and_only_accepted_followers_count():
    anna = make_actor()
    remote("https://a.example/users/x")
    remote("https://b.example:8443/users/y")
    remote("https://c.example/users/pending")
    remote("https://d.example/users/gone", deleted_at="2026-01-01T00:00:00Z")
    follow(anna, "https://a.example/users/x")
    follow(anna, "https://b.example:8443/users/y")
    follow(anna, "https://c.example/users/pending", state=Follow.State.PENDING)
    follow(anna, "https://d.example/users/gone")
    activity = publish(anna, NOTE, to_followers=True)
    assert inboxes(activity) == ["https://a.example/users/x/inbox", "https://b.example:8443/users/y/inbox"]
    assert sorted(activity.deliveries.values_list("host", flat=True)) == ["a.example", "b.example:8443"]


@pytest.mark.django_db
def test_explicit_recipients_actors_inboxes_local_and_public(federation_logs):
    anna = make_actor()
    remote("https://a.example/users/x", shared_inbox="https://a.example/inbox")
    remote("https://b.example/users/fan")
    follow(anna, "https://b.example/users/fan")
    activity = publish(anna, NOTE, recipients=[
        "https://a.example/users/x", "https://e.example/inbox", "http://testserver/users/bert",
        "https://www.w3.org/ns/activitystreams#Public", "https://unknown.example/users/u", "not a uri",
    ])
    assert inboxes(activity) == ["https://a.example/inbox", "https://e.example/inbox"]
    assert "not cached yet" in federation_logs.text
    # The actor's own followers collection in the recipients means its followers.
    second = publish(anna, NOTE, recipients=[f"{anna.uri}/followers"])
    assert inboxes(second) == ["https://b.example/users/fan/inbox"]


@pytest.mark.django_db
def test_deliveries_and_resolving_are_enqueued_on_commit(django_capture_on_commit_callbacks, triggers):
    anna = make_actor()
    remote("https://a.example/users/x")
    remote("https://b.example/users/y")
    with django_capture_on_commit_callbacks(execute=True):
        activity = publish(anna, NOTE, recipients=["https://a.example/users/x", "https://b.example/users/y",
                                                   "https://unknown.example/users/u"])
    rows = list(activity.deliveries.all())
    assert sorted(call[0] for call in triggers["deliver"]) == sorted(row.pk for row in rows)
    # Each task carries its row's lease: the row is not due for the sweeper meanwhile.
    assert {call[1] for call in triggers["deliver"]} == {row.next_attempt_at.isoformat() for row in rows}
    assert triggers["resolve"] == [(activity.pk, ["https://unknown.example/users/u"])]


@pytest.mark.django_db
def test_blocked_domains_and_their_subdomains_get_nothing():
    anna = make_actor()
    Peer.objects.create(domain="bad.example", blocked=True)
    remote("https://bad.example/users/x")
    remote("https://social.bad.example/users/y")
    remote("https://good.example/users/z", shared_inbox="https://bad.example/inbox")
    remote("https://ok.example/users/w")
    for uri in ("https://bad.example/users/x", "https://social.bad.example/users/y",
                "https://good.example/users/z", "https://ok.example/users/w"):
        follow(anna, uri)
    activity = publish(anna, NOTE, to_followers=True, recipients=["https://bad.example/inbox"])
    assert inboxes(activity) == ["https://ok.example/users/w/inbox"]


@pytest.mark.django_db
def test_allowlist_mode_delivers_only_to_allowed_domains():
    anna = make_actor()
    FederationPolicy.objects.update_or_create(pk=1, defaults={"mode": FederationPolicy.Mode.ALLOWLIST})
    Peer.objects.create(domain="gov.example", allowed=True)
    remote("https://gov.example/users/a")
    remote("https://other.example/users/b")
    follow(anna, "https://gov.example/users/a")
    follow(anna, "https://other.example/users/b")
    activity = publish(anna, NOTE, to_followers=True, recipients=["https://other.example/inbox"])
    assert inboxes(activity) == ["https://gov.example/users/a/inbox"]


@pytest.mark.django_db
def test_unavailable_hosts_get_rows_that_wait_for_the_sweeper(django_capture_on_commit_callbacks, triggers):
    anna = make_actor()
    Peer.objects.create(domain="down.example", state=Peer.State.UNAVAILABLE)
    remote("https://down.example/users/a")
    remote("https://up.example/users/b")
    with django_capture_on_commit_callbacks(execute=True):
        activity = publish(anna, NOTE, recipients=["https://down.example/users/a", "https://up.example/users/b"])
    down = activity.deliveries.get(host="down.example")
    up = activity.deliveries.get(host="up.example")
    assert down.status == up.status == Delivery.Status.PENDING
    assert [call[0] for call in triggers["deliver"]] == [up.pk]
    assert down.next_attempt_at < up.next_attempt_at  # due, for the sweeper's probe


@pytest.mark.django_db
def test_a_large_fan_out_is_enqueued_in_batches(django_capture_on_commit_callbacks, monkeypatch, triggers):
    batches = []
    monkeypatch.setattr(delivery_tasks.enqueue_deliveries, "delay", lambda *a: batches.append(a))
    monkeypatch.setattr(delivery_tasks, "ENQUEUE_BATCH", 40)
    count = delivery_tasks.ENQUEUE_INLINE + 10
    with django_capture_on_commit_callbacks(execute=True):
        activity = publish(make_actor(), NOTE, recipients=[f"https://h{n}.example/inbox" for n in range(count)])
    assert triggers["deliver"] == []  # the publishing request sends only the batch tasks
    assert [len(ids) for ids, _ in batches] == [40, count - 40]
    # Each batch task (run here as the worker would) sends one deliver task per row.
    for ids, lease in batches:
        delivery_tasks.enqueue_deliveries(ids, lease)
    rows = {row.pk: row.next_attempt_at.isoformat() for row in activity.deliveries.all()}
    assert sorted(triggers["deliver"]) == sorted(rows.items())


@pytest.mark.django_db
def test_an_inbox_url_too_long_to_store_is_skipped():
    activity = publish(make_actor(), NOTE, recipients=["https://x.example/" + "a" * 600 + "/inbox",
                                                       "https://y.example/inbox"])
    assert inboxes(activity) == ["https://y.example/inbox"]
