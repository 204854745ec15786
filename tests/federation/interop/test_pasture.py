"""fediverse-pasture (bovine), software written by others, plays the remote side.

Our node is a real `weerbaarnl serve` process (tests/cluster.py: its own database and background
worker), in open mode as configured by default; the peer is fediverse-pasture on 127.0.0.1, a
separate process with its own Python environment (pasture.py), new for every test so that our
node has never seen it. It serves two actors: "alice", the user that follows and is followed,
whose actor answers only signed GETs and whose inbox only signed POSTs, and "actor", its public
application actor, which signs the peer's own fetches (as Mastodon's instance actor does). Both
sides check real draft-cavage signatures: bovine verifies ours after fetching our key from our
node.

Skipped only when no Python with fediverse-pasture can be had (building its environment needs
PyPI once); under CI (CI=true) that fails instead.
"""

from __future__ import annotations

import json
import os

import pytest
import requests

from federation.crypto import generate_rsa_keypair, sign_cavage
from tests.cluster import Cluster, free_port
from tests.conftest import wait_for
from tests.federation.interop.pasture import PastureActor, PeerUnavailable, peer_python

pytestmark = pytest.mark.worker

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
AS_JSON = {"Accept": "application/activity+json"}
ADMIN = "beheerder"  # the demo's administrator, a Person actor
GROUP = "hoogwater"  # the demo's open group: follows are accepted at once
SECURE_MODE = "WEERBAAR_AUTHORIZED_FETCH"


@pytest.fixture(scope="module")
def pasture_python():
    try:
        return peer_python()
    except PeerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"fediverse-pasture is required under CI: {exc}")
        pytest.skip(f"fediverse-pasture is not available: {exc}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, pasture_python):
    c = Cluster(tmp_path_factory.mktemp("interop")).add("a")
    try:
        c.start()
        c["a"].cli("demo")
        yield c
    except BaseException:
        print(c.logs())
        raise
    finally:
        c.stop()


@pytest.fixture
def node(cluster):
    return cluster["a"]


@pytest.fixture
def secure_node(node):
    """The node restarted in secure mode (authorized fetch) for one test, then in open mode again."""
    node.env[SECURE_MODE] = "1"
    node.restart()
    try:
        yield node
    finally:
        del node.env[SECURE_MODE]
        node.restart()


@pytest.fixture
def peer(tmp_path, pasture_python, cluster):
    actor = PastureActor(pasture_python, "127.0.0.1", free_port("127.0.0.1"), tmp_path / "pasture")
    try:
        yield actor.start()
    finally:
        actor.stop()
        # Shown by pytest when the test failed.
        print(cluster.logs())
        print(actor.log())


def query(node, code: str):
    """Run `code` (which must set `result`) in the node's Django; the JSON-decoded result."""
    return json.loads(node.shell(f"import json\n{code}\nprint(json.dumps(result, default=str))"))


def answered(peer, method: str, path: str) -> list[int]:
    """The peer's answers to signed requests (the control test also sends unsigned ones)."""
    return [r["status"] for r in peer.requests() if r["method"] == method and r["path"] == path and r["signed"]]


def received(peer, kind: str) -> list[dict]:
    return [activity for activity in peer.inbox() if activity.get("type") == kind]


def delivered(row: list) -> list | None:
    """`row` once its last two fields show a finished delivery (the worker records it after the POST)."""
    return row if row[-2] != "pending" else None


def test_the_peer_refuses_unsigned_and_forged_requests(node, peer):
    """The control: without a valid signature the peer answers 401, so its 2xx below mean something."""
    assert requests.get(peer.actor_id, headers=AS_JSON, timeout=10).status_code == 401
    body = json.dumps({"@context": AS_CONTEXT, "id": f"{node.url}/x", "type": "Follow",
                       "actor": f"{node.url}/users/{ADMIN}", "object": peer.actor_id}).encode()
    assert requests.post(peer.inbox_url, data=body, timeout=10).status_code == 401
    # Signed as our admin's key id, but with another key: the peer fetches the real key and refuses.
    headers = {"Content-Type": "application/activity+json"}
    headers.update(sign_cavage("POST", peer.inbox_url, headers, body, f"{node.url}/users/{ADMIN}#main-key",
                               generate_rsa_keypair().private_pem,
                               signed_headers=("(request-target)", "host", "date", "digest", "content-type")))
    assert requests.post(peer.inbox_url, data=body, headers=headers, timeout=10).status_code == 401
    assert answered(peer, "POST", "/alice/inbox") == [401]
    assert peer.inbox() == []


def test_we_follow_the_peer_and_it_verifies_our_signatures(node, peer):
    local_uri = f"{node.url}/users/{ADMIN}"
    out = node.cli("federation", "follow", "--as", ADMIN, peer.actor_id).stdout
    assert "pending" in out

    # We fetched its actor with a GET signed by our instance actor, which it verified.
    assert answered(peer, "GET", "/alice") == [200], peer.requests()
    remote = query(node, (
        "from federation.models import RemoteActor\n"
        f"r = RemoteActor.objects.get(uri={peer.actor_id!r})\n"
        "result = [r.inbox, r.key_id, r.public_key_pem, r.type, r.username]"))
    assert remote == [peer.inbox_url, f"{peer.actor_id}#main", peer.public_key_pem(), "Person", "alice"]

    # Our Follow reached its inbox, which accepts only POSTs whose signature it verified.
    wait_for(lambda: answered(peer, "POST", "/alice/inbox"), timeout=30, message="our Follow to reach the peer")
    assert answered(peer, "POST", "/alice/inbox") == [202]
    follows = received(peer, "Follow")
    assert len(follows) == 1
    follow = follows[0]
    assert (follow["actor"], follow["object"]) == (local_uri, peer.actor_id)
    row = wait_for(lambda: delivered(query(node, (
        "from federation.models import Follow, Delivery\n"
        f"f = Follow.objects.get(follower_uri={local_uri!r}, followee_uri={peer.actor_id!r})\n"
        "d = Delivery.objects.get(activity__payload__id=f.activity_id)\n"
        "result = [f.state, f.activity_id, d.inbox, d.status, d.last_status_code]"))), timeout=30,
        message="our node to record the delivery")
    assert row == ["pending", follow["id"], peer.inbox_url, "delivered", 202]  # the peer never answers Follows
    assert peer.unresolved_contexts() == []


def test_the_peer_follows_our_group_and_verifies_our_accept(node, peer):
    group_uri = f"{node.url}/groups/{GROUP}"
    sent = peer.send(f"{group_uri}/inbox", follow=group_uri)  # a Follow as bovine builds it
    assert sent["status"] == 202, sent
    follow = sent["activity"]
    assert (follow["type"], follow["object"]) == ("Follow", group_uri)

    # Our Accept reached the peer, which verified the group's signature on it.
    wait_for(lambda: answered(peer, "POST", "/alice/inbox"), timeout=30, message="our Accept to reach the peer")
    assert answered(peer, "POST", "/alice/inbox") == [202]
    accepts = received(peer, "Accept")
    assert len(accepts) == 1
    accept = accepts[0]
    assert accept["actor"] == group_uri
    assert accept["object"]["id"] == follow["id"]
    assert (accept["object"]["actor"], accept["object"]["object"]) == (peer.actor_id, group_uri)
    # Its key was new to us: our worker fetched the peer's actor (a signed GET, which the peer
    # verified), verified the held Follow, processed and accepted it; the Accept was delivered.
    assert answered(peer, "GET", "/alice") == [200]
    state = (
        "from federation.models import Delivery, Follow, InboxItem, RemoteActor\n"
        f"items = list(InboxItem.objects.filter(activity_id={follow['id']!r}).values_list('status', flat=True))\n"
        f"f = Follow.objects.get(follower_uri={peer.actor_id!r}, followee_uri={group_uri!r})\n"
        f"d = Delivery.objects.get(activity__payload__id={accept['id']!r})\n"
        f"key = RemoteActor.objects.get(uri={peer.actor_id!r}).public_key_pem\n"
        "result = [items, f.state, f.activity_id, key, d.inbox, d.status, d.last_status_code]")
    expected = [["processed"], "accepted", follow["id"], peer.public_key_pem(), peer.inbox_url, "delivered", 202]
    assert wait_for(lambda: delivered(query(node, state)), timeout=30, message="the delivery record") == expected
    assert peer.unresolved_contexts() == []

    # The same Follow again (a retry on their side): 202, stored and processed once.
    assert peer.send(f"{group_uri}/inbox", activity=follow)["status"] == 202
    assert query(node, state) == expected


def test_the_peer_undoes_its_follow(node, peer):
    group_uri = f"{node.url}/groups/{GROUP}"
    sent = peer.send(f"{group_uri}/inbox", follow=group_uri)
    assert sent["status"] == 202, sent
    wait_for(lambda: received(peer, "Accept"), timeout=30, message="our node to accept the peer's Follow")

    # bovine's Undo names the Follow by its id only.
    undone = peer.send(f"{group_uri}/inbox", undo=sent["activity"])
    assert undone["status"] == 202, undone
    assert undone["activity"]["object"] == sent["activity"]["id"]
    state = lambda: query(node, (  # noqa: E731
        "from federation.models import Follow, InboxItem\n"
        f"item = InboxItem.objects.get(activity_id={undone['activity']['id']!r})\n"
        f"result = [item.status, item.error, Follow.objects.filter(follower_uri={peer.actor_id!r}).count()]"))
    done = ("processed", "ignored", "failed")
    assert wait_for(lambda: (row := state())[0] in done and row, timeout=30,
                    message="our node to process the peer's Undo") == ["processed", "", 0]


def test_in_secure_mode_the_peer_can_fetch_our_key_to_verify_our_follow(secure_node, peer):
    node = secure_node
    node.cli("federation", "follow", "--as", ADMIN, peer.actor_id)
    assert answered(peer, "GET", "/alice") == [200]  # our signed fetch, verified by the peer
    wait_for(lambda: answered(peer, "POST", "/alice/inbox"), timeout=30, message="our Follow to reach the peer")
    statuses = answered(peer, "POST", "/alice/inbox")
    # The peer fetched our key with a GET signed by a key we do not know: it got the minimal
    # actor document (federation/views/actors.py), so it could verify our Follow.
    assert statuses == [202]
    assert [f["actor"] for f in received(peer, "Follow")] == [f"{node.url}/users/{ADMIN}"]
