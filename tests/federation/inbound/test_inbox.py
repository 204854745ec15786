"""The inbox request path: every refusal answers with its status and stores nothing; accepted
requests are stored once (pending when the key is cached, held when it is not) and answer 202."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from federation import fetching
from federation.inbound.receive import Rejected, read_body
from federation.models import FederationPolicy, InboxItem, Peer, RemoteActor

from .conftest import ALICE, BOB, REMOTE, activity, cache_actor, counts, post_signed

pytestmark = pytest.mark.django_db

SHARED = "/inbox"
GROUP_INBOX = "/groups/crisis/inbox"
ALICE_KEY = f"{ALICE}#main-key"
BOB_KEY = f"{BOB}#main-key"


@pytest.fixture
def alice(alice_keys):
    return cache_actor(ALICE, alice_keys.public_pem)


def follow(target: str = "http://testserver/groups/crisis", actor: str = ALICE) -> dict:
    return activity("Follow", actor, object=target)


def nested(levels: int):
    """A JSON array nested `levels` deep."""
    value = [1]
    for _ in range(levels - 1):
        value = [value]
    return value


def refused(response, status: int, before=(0, 0, 0)) -> dict:
    """Assert the status and that no inbox item, follow or remote actor appeared."""
    assert response.status_code == status, response.content
    assert counts() == before
    return response.json() if response.content else {}


# --- signatures --------------------------------------------------------------------------------


def test_unsigned_post_is_401(client, group, alice):
    response = client.generic("POST", GROUP_INBOX, json.dumps(follow()), content_type="application/activity+json")
    assert refused(response, 401, (0, 0, 1))["error"] == "missing_signature"
    assert response["WWW-Authenticate"].startswith("Signature")


def test_malformed_signature_is_401(client, group, alice, alice_keys):
    response = post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem,
                           extra={"Signature": 'keyId="x",signature="not base64!"'})
    assert refused(response, 401, (0, 0, 1))["error"] == "malformed_signature"


def test_bad_signature_with_cached_key_is_401_and_schedules_one_key_refresh(client, group, alice, bob_keys):
    response = post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, bob_keys.private_pem)
    assert refused(response, 401, (0, 0, 1))["error"] == "invalid_signature"
    refreshed = RemoteActor.objects.get(uri=ALICE).key_refreshed_at
    assert refreshed is not None
    post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, bob_keys.private_pem)
    assert RemoteActor.objects.get(uri=ALICE).key_refreshed_at == refreshed  # at most once per 5 minutes


def test_key_owned_by_another_actor_is_401(client, group, alice, bob_keys):
    cache_actor(BOB, bob_keys.public_pem)
    response = post_signed(client, GROUP_INBOX, follow(actor=ALICE), BOB_KEY, bob_keys.private_pem)
    assert refused(response, 401, (0, 0, 2))["error"] == "key_not_owned_by_actor"


def test_key_on_another_origin_than_the_actor_is_401(client, group, alice_keys):
    response = post_signed(client, GROUP_INBOX, follow(), "https://elsewhere.example/users/x#main-key",
                           alice_keys.private_pem)
    assert refused(response, 401)["error"] == "foreign_key"


@pytest.mark.parametrize("cached", [True, False])
def test_date_outside_the_window_is_401_even_for_unknown_keys(client, group, alice_keys, cached):
    if cached:
        cache_actor(ALICE, alice_keys.public_pem)
    old = datetime.now(UTC) - timedelta(hours=2)
    response = post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem, now=old)
    assert refused(response, 401, (0, 0, int(cached)))["error"] == "date_out_of_window"
    future = datetime.now(UTC) + timedelta(hours=2)
    response = post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem, now=future)
    assert refused(response, 401, (0, 0, int(cached)))["error"] == "date_out_of_window"


def test_replay_of_an_old_request_is_401(client, group, alice, alice_keys, settings):
    """A request captured and replayed later than the window: refused, nothing stored; replayed
    within the window it is a duplicate and changes nothing."""
    document = follow()
    signed_at = datetime.now(UTC) - timedelta(seconds=90)
    for _ in range(2):
        response = post_signed(client, GROUP_INBOX, document, ALICE_KEY, alice_keys.private_pem, now=signed_at)
        assert response.status_code == 202
    assert InboxItem.objects.count() == 1
    InboxItem.objects.all().delete()
    settings.FEDERATION_SIGNATURE_WINDOW = 60
    response = post_signed(client, GROUP_INBOX, document, ALICE_KEY, alice_keys.private_pem, now=signed_at)
    assert refused(response, 401, (0, 0, 1))["error"] == "date_out_of_window"


@pytest.mark.parametrize("cached", [True, False])
def test_body_changed_under_a_valid_signature_is_401(client, group, alice_keys, cached):
    if cached:
        cache_actor(ALICE, alice_keys.public_pem)
    response = post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem,
                           tamper=lambda body: body.replace(b"Follow", b"Block"))
    assert refused(response, 401, (0, 0, int(cached)))["error"] == "digest_mismatch"


def test_missing_digest_is_401(client, group, alice_keys):
    response = post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem, drop=("Digest",))
    assert refused(response, 401)["error"] in ("missing_digest", "invalid_signature")


def test_rfc9421_signature_with_cached_key_is_accepted(client, group, alice, alice_keys):
    response = post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem, scheme="rfc9421")
    assert response.status_code == 202
    assert InboxItem.objects.get().status == InboxItem.Status.PENDING


def test_rfc9421_body_changed_is_401(client, group, alice_keys):
    response = post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem, scheme="rfc9421",
                           tamper=lambda body: body + b" ")
    assert refused(response, 401)["error"] == "digest_mismatch"


# --- size and JSON ------------------------------------------------------------------------------


def test_body_over_one_mib_is_413(client, group, alice_keys):
    big = activity("Create", object={"type": "Note", "content": "x" * (1024 * 1024)})
    response = post_signed(client, GROUP_INBOX, big, ALICE_KEY, alice_keys.private_pem)
    assert refused(response, 413)["error"] == "body_too_large"


def test_body_is_read_capped_when_the_length_is_not_declared():
    request = RequestFactory().generic("POST", "/inbox", b"")
    request._stream = io.BytesIO(b"x" * 5000)
    request.META.pop("CONTENT_LENGTH", None)
    with pytest.raises(Rejected) as caught:
        read_body(request, 1000)
    assert caught.value.status == 413
    assert request._stream.tell() <= 1001


@pytest.mark.parametrize("body, error", [
    (b'{"type": "Follow", "id": ', "bad_json"),
    (json.dumps(activity("Create", object={"a": nested(40)})).encode(), "bad_json"),
    (json.dumps(activity("Create", to=[f"{REMOTE}/users/u{i}" for i in range(501)])).encode(), "bad_json"),
    (b"[]", "not_an_object"),
    (json.dumps({"id": f"{REMOTE}/1", "type": "Follow"}).encode(), "missing_field"),
])
def test_bad_json_is_400(client, group, alice_keys, body, error):
    response = post_signed(client, GROUP_INBOX, body, ALICE_KEY, alice_keys.private_pem)
    assert refused(response, 400)["error"] == error


def test_nesting_limit_is_32(client, group, alice_keys):
    ok = activity("Create", object={"id": f"{REMOTE}/n", "type": "Note", "x": nested(30)})
    assert post_signed(client, GROUP_INBOX, ok, ALICE_KEY, alice_keys.private_pem).status_code == 202
    too_deep = activity("Create", object={"id": f"{REMOTE}/n2", "type": "Note", "x": nested(31)})
    assert refused(post_signed(client, GROUP_INBOX, too_deep, ALICE_KEY, alice_keys.private_pem), 400, (1, 0, 0))


def test_embedded_actor_is_normalised(client, group, alice, alice_keys):
    document = follow()
    document["actor"] = {"id": ALICE, "type": "Person"}
    assert post_signed(client, GROUP_INBOX, document, ALICE_KEY, alice_keys.private_pem).status_code == 202
    assert InboxItem.objects.get().payload["actor"] == ALICE


# --- origins and ownership ---------------------------------------------------------------------


def test_activity_id_on_another_host_than_its_actor_is_400(client, group, alice, alice_keys):
    document = follow() | {"id": "https://evil.example/activities/1"}
    response = post_signed(client, GROUP_INBOX, document, ALICE_KEY, alice_keys.private_pem)
    assert refused(response, 400, (0, 0, 1))["error"] == "foreign_id"


@pytest.mark.parametrize("kind, obj", [
    ("Update", {"id": "https://mastodon.example/users/jansen", "type": "Person", "inbox": "https://evil.example/i"}),
    ("Update", {"id": "https://mastodon.example/notes/1", "type": "Note", "content": "edited"}),
    ("Delete", "https://mastodon.example/notes/1"),
    ("Delete", {"id": "https://mastodon.example/notes/1", "type": "Tombstone"}),
])
def test_update_or_delete_of_someone_elses_object_is_403(client, group, alice, alice_keys, kind, obj):
    response = post_signed(client, SHARED, activity(kind, object=obj), ALICE_KEY, alice_keys.private_pem)
    assert refused(response, 403, (0, 0, 1))["error"] == "not_owner"
    assert RemoteActor.objects.get().name == ""


def test_actor_at_a_private_address_is_refused_without_a_fetch(client, group, alice_keys):
    actor = "https://169.254.169.254/users/x"
    response = post_signed(client, SHARED, activity("Follow", actor, object="http://testserver/groups/crisis"),
                           f"{actor}#main-key", alice_keys.private_pem)
    assert refused(response, 400)["error"] == "unfetchable_actor"


# --- instance policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("document", [
    activity("Follow", "https://blocked.example/users/troll", object="http://testserver/groups/crisis"),
    activity("Announce", object="https://blocked.example/notes/1"),
    activity("Announce", object={"id": "https://blocked.example/notes/1", "type": "Note"}),
    activity("Create", object={"id": f"{REMOTE}/notes/2", "type": "Note",
                               "attributedTo": "https://sub.blocked.example/u"}),
    activity("Announce", object={"id": f"{REMOTE}/c/x/a/1", "type": "Create", "actor": "https://blocked.example/u/t",
                                 "object": {"id": f"{REMOTE}/post/3", "type": "Page"}}),
    activity("Announce", object={"id": f"{REMOTE}/a/2", "type": "Create",
                                 "object": {"id": "https://blocked.example/post/4", "type": "Page"}}),
])
def test_blocked_domain_is_403_also_when_only_an_embedded_object_is_from_it(client, group, alice_keys, document):
    Peer.objects.create(domain="blocked.example", blocked=True)
    key = document["actor"] + "#main-key"
    response = post_signed(client, SHARED, document, key, alice_keys.private_pem)
    assert refused(response, 403)["error"] == "domain_refused"


def test_allowlist_mode_refuses_unlisted_domains(client, group, alice, alice_keys):
    policy = FederationPolicy.current()
    policy.mode = FederationPolicy.Mode.ALLOWLIST
    policy.save()
    response = post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem)
    assert refused(response, 403, (0, 0, 1))["error"] == "domain_refused"
    Peer.objects.create(domain="remote.example", allowed=True)
    assert post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem).status_code == 202


# --- storing -----------------------------------------------------------------------------------


def test_duplicate_is_202_and_stored_once(client, group, alice, alice_keys):
    document = follow()
    for _ in range(3):
        assert post_signed(client, GROUP_INBOX, document, ALICE_KEY, alice_keys.private_pem).status_code == 202
    item = InboxItem.objects.get()
    assert (item.activity_id, item.status, item.recipient.username) == (document["id"], "pending", "crisis")
    assert item.request_body == b"" and item.request_headers == {}


def test_unknown_key_is_held_with_the_signed_request_only(client, group, alice_keys):
    document = follow()
    response = post_signed(client, SHARED, document, ALICE_KEY, alice_keys.private_pem,
                           extra={"X-Unsigned": "not kept", "Cookie": "secret=1"})
    assert response.status_code == 202
    item = InboxItem.objects.get()
    assert item.status == InboxItem.Status.UNVERIFIED and item.recipient is None
    assert item.request_method == "POST" and item.request_url == "http://testserver/inbox"
    assert set(item.request_headers) == {"host", "date", "digest", "signature"}
    assert json.loads(bytes(item.request_body)) == document
    assert RemoteActor.objects.count() == 0


def test_unknown_actor_deleting_itself_is_not_stored(client, alice_keys):
    response = post_signed(client, SHARED, activity("Delete", object=ALICE), ALICE_KEY, alice_keys.private_pem)
    refused(response, 202)


def test_no_remote_io_in_the_request_path(client, group, alice_keys, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("remote I/O during an inbox request")

    for name in ("fetch_document", "fetch_object", "fetch_json", "fetch_node_json", "_fetch"):
        monkeypatch.setattr(fetching.client, name, forbidden)
        if hasattr(fetching, name):
            monkeypatch.setattr(fetching, name, forbidden)
    monkeypatch.setattr("requests.Session.send", forbidden)
    monkeypatch.setattr("urllib3.connection.HTTPConnection.connect", forbidden)
    for document in (follow(), activity("Announce", object=f"{REMOTE}/notes/9")):
        assert post_signed(client, SHARED, document, ALICE_KEY, alice_keys.private_pem).status_code == 202
    assert InboxItem.objects.filter(status="unverified").count() == 2


# --- endpoints ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/groups/nobody/inbox", "/users/crisis/inbox", "/orgs/crisis/inbox"])
def test_inbox_of_unknown_actor_or_wrong_prefix_is_404(client, group, alice_keys, path):
    response = post_signed(client, path, follow(), ALICE_KEY, alice_keys.private_pem)
    assert refused(response, 404)


def test_inbox_of_deleted_actor_is_404(client, group, alice_keys):
    group.deleted_at = datetime.now(UTC)
    group.save()
    assert refused(post_signed(client, GROUP_INBOX, follow(), ALICE_KEY, alice_keys.private_pem), 404)


@pytest.mark.parametrize("path", [SHARED, GROUP_INBOX])
def test_get_of_an_inbox_is_405(client, group, path):
    response = client.get(path)
    assert response.status_code == 405 and response["Allow"] == "POST"
