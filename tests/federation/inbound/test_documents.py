"""Documents in the shapes of Mastodon, Lemmy, Mobilizon, PeerTube, Misskey, Akkoma, GoToSocial and
PieFed (tests/fixtures/documents/, see its README): actors are understood by the remote cache,
activities pass the inbox's request-side checks and reach the expected core handler — or no core
handler (content is for groups/ and capabilities/) — and hostile documents are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from federation import fetching, registry
from federation.crypto import generate_rsa_keypair, load_public_key
from federation.inbound import handlers
from federation.inbound.context import InboundContext, origin
from federation.inbound.process import check_ownership, object_type_of
from federation.inbound.receive import check_own_object, embedded_domains, parse_activity
from federation.inbound.remote import actor_fields, find_key, main_key_id
from federation.models import InboxItem, Peer, RemoteActor
from federation.services import create_local_actor

from .conftest import counts, post_signed

DOCUMENTS = Path(__file__).resolve().parents[2] / "fixtures" / "documents"
SOFTWARE = ["mastodon", "lemmy", "mobilizon", "peertube", "misskey", "akkoma", "gotosocial", "piefed"]
ACTOR_FILES = ("actor.json", "group.json")
CORE = {func.__name__: func for func in handlers.CORE_HANDLERS.values()}
# Activity fixtures the core handles; every other activity fixture must reach no core handler.
EXPECTED = {
    "follow.json": "on_follow",
    "undo_follow.json": "on_undo_follow",
    "delete_actor.json": "on_delete_actor",
}
INVALID = {
    "not_json.json": (400, "bad_json"),
    "not_an_object.json": (400, "not_an_object"),
    "nested_too_deep.json": (400, "bad_json"),
    "array_too_long.json": (400, "bad_json"),
    "missing_actor.json": (400, "missing_field"),
    "type_not_a_string.json": (400, "missing_field"),
    "foreign_id.json": (400, "foreign_id"),
    "non_http_actor.json": (400, "bad_id"),
    "metadata_address_actor.json": (400, "unfetchable_actor"),
    "impersonating_update.json": (403, "not_owner"),
    "delete_foreign_object.json": (403, "not_owner"),
    "announce_blocked_object.json": (403, "domain_refused"),
    "announce_blocked_uri.json": (403, "domain_refused"),
    "announce_blocked_inner_actor.json": (403, "domain_refused"),
}


def files(kind: str) -> list[tuple[str, str]]:
    return [(software, path.name) for software in SOFTWARE for path in sorted((DOCUMENTS / software).glob("*.json"))
            if (path.name in ACTOR_FILES) == (kind == "actor")]


def load(software: str, name: str) -> bytes:
    return (DOCUMENTS / software / name).read_bytes()


@pytest.fixture
def our_node(settings, db):
    """This node as the documents address it: https://weerbaar.example with a group "crisis"."""
    settings.WEERBAAR_URL = "https://weerbaar.example"
    settings.WEERBAAR_DOMAIN = "weerbaar.example"
    settings.ALLOWED_HOSTS = ["weerbaar.example"]
    return create_local_actor("Group", "crisis")


@pytest.fixture(scope="module")
def signing_key():
    return generate_rsa_keypair()


def test_every_software_has_its_documents():
    for software in SOFTWARE:
        names = {path.name for path in (DOCUMENTS / software).glob("*.json")}
        assert "actor.json" in names and "follow.json" in names, software
        assert any(name.startswith("create_") for name in names), software
        assert {"announce.json", "delete.json"} <= names, software
    assert set(INVALID) == {path.name for path in (DOCUMENTS / "invalid").glob("*.json")}


@pytest.mark.parametrize("software, name", files("actor"))
def test_actor_documents_are_understood(software, name):
    document = fetching.parse_json(load(software, name))
    fields = actor_fields(document)
    assert fields["uri"] == document["id"] and fields["inbox"].startswith("https://")
    assert fields["type"] == ("Group" if name == "group.json" else "Person")
    key_id = main_key_id(document)
    assert origin(key_id) == origin(document["id"])
    load_public_key(find_key(document, key_id))


@pytest.mark.parametrize("software, name", files("activity"))
def test_activities_pass_the_request_checks_and_reach_the_expected_handler(our_node, software, name):
    activity = parse_activity(load(software, name))
    assert origin(activity["id"]) == origin(activity["actor"])
    assert "" not in embedded_domains(activity)
    check_own_object(activity)
    actor_document = json.loads(load(software, "actor.json"))
    actor_type = actor_document["type"] if actor_document["id"] == activity["actor"] else "Group"
    ctx = InboundContext(item=InboxItem(), activity=activity, actor_uri=activity["actor"],
                         remote_actor=RemoteActor(uri=activity["actor"], type=actor_type), recipient=None)
    check_ownership(ctx)
    handler = registry.resolve_handler(activity["type"], object_type_of(ctx))
    expected = EXPECTED.get(name)
    if expected:
        assert handler is CORE[expected]
    else:
        assert handler not in CORE.values()


@pytest.mark.parametrize("software, name", files("activity"))
def test_activities_are_accepted_by_the_inbox(client, our_node, signing_key, software, name):
    """Signed with a key we do not have yet: held for the worker (202), nothing fetched."""
    document = json.loads(load(software, name))
    response = post_signed(client, "/inbox", document, document["actor"] + "#main-key", signing_key.private_pem)
    assert response.status_code == 202, response.content
    if name != "delete_actor.json":  # an unknown actor deleting itself is not even stored
        assert InboxItem.objects.get().status == InboxItem.Status.UNVERIFIED


@pytest.mark.parametrize("name", sorted(INVALID))
def test_hostile_documents_are_refused_and_nothing_stored(client, our_node, signing_key, name):
    Peer.objects.create(domain="blocked.example", blocked=True)
    body = load("invalid", name)
    try:
        actor = json.loads(body).get("actor") or "https://mastodon.example/users/jansen"
    except (ValueError, AttributeError):
        actor = "https://mastodon.example/users/jansen"
    response = post_signed(client, "/inbox", body, f"{actor}#main-key", signing_key.private_pem)
    assert (response.status_code, response.json()["error"]) == INVALID[name]
    assert counts() == (0, 0, 0)
