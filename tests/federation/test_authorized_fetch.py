"""Secure mode ("authorized fetch"): signed GETs from cached, non-blocked remote keys only.

Requests are signed for settings.WEERBAAR_URL + path: the node verifies against its public URL
and the path received, not against the Host header or the scheme of the connection.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from federation import access
from federation.crypto import (
    ed25519_public_key_to_multibase,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    sign_cavage,
    sign_rfc9421,
)
from federation.models import Activity, FederationPolicy, Peer, RemoteActor
from federation.services import create_local_actor

pytestmark = pytest.mark.django_db

AS_JSON = "application/activity+json"
BOB = "https://social.remote.example/users/bob"
BOB_KEY = f"{BOB}#main-key"


@pytest.fixture(scope="module")
def bob_keys():
    return generate_rsa_keypair()


@pytest.fixture
def secure(settings):
    settings.FEDERATION_AUTHORIZED_FETCH = True
    return settings


@pytest.fixture
def bob(bob_keys):
    return RemoteActor.objects.create(uri=BOB, domain="social.remote.example", type="Person", username="bob",
                                      inbox=f"{BOB}/inbox", key_id=BOB_KEY, public_key_pem=bob_keys.public_pem)


@pytest.fixture
def anna(db):
    return create_local_actor("Person", "anna")


def signed_get(client, path, private_pem, key_id=BOB_KEY, *, now=None, scheme="cavage", sign_path=None):
    """GET `path`, signed for WEERBAAR_URL + (sign_path or path) with the given key."""
    from django.conf import settings

    headers = {"Accept": AS_JSON}
    url = settings.WEERBAAR_URL + (sign_path or path)
    if scheme == "cavage":
        headers |= sign_cavage("GET", url, headers, None, key_id, private_pem, now=now)
    else:
        headers |= sign_rfc9421("GET", url, headers, None, key_id, private_pem, now=now)
    return client.get(path, headers=headers)


def paths(activity_uuid):
    return ["/users/anna", "/users/anna/outbox", "/users/anna/followers", "/users/anna/following",
            f"/activities/{activity_uuid}"]


@pytest.fixture
def published(anna):
    activity_uuid = uuid.uuid4()
    Activity.objects.create(uuid=activity_uuid, actor=anna, type="Create", public=True,
                            payload={"id": f"http://testserver/activities/{activity_uuid}", "type": "Create"})
    return activity_uuid


def test_unsigned_is_401(client, secure, anna, published):
    for path in paths(published)[1:]:  # collections and activities; the actor: see below
        response = client.get(path, headers={"Accept": AS_JSON})
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"].startswith('Signature realm="testserver"')
        assert response.json()["error"] == "signature_required"


def test_signed_by_cached_key_is_200(client, secure, anna, published, bob, bob_keys):
    for path in paths(published):
        assert signed_get(client, path, bob_keys.private_pem).status_code == 200, path
    assert signed_get(client, "/users/anna/followers?page=1", bob_keys.private_pem).status_code == 200


def test_rfc9421_signature_is_accepted(client, secure, anna, bob, bob_keys):
    response = signed_get(client, "/users/anna", bob_keys.private_pem, scheme="rfc9421")
    assert response.status_code == 200
    assert response.json()["id"] == "http://testserver/users/anna"


def test_fep521a_key_from_cached_document(client, secure, anna, bob):
    pair = generate_ed25519_keypair()
    key_id = f"{BOB}#ed25519-key"
    bob.document = {"id": BOB, "assertionMethod": [
        {"id": key_id, "type": "Multikey", "controller": BOB,
         "publicKeyMultibase": ed25519_public_key_to_multibase(pair.public_pem)}]}
    bob.save()
    assert signed_get(client, "/users/anna", pair.private_pem, key_id, scheme="rfc9421").status_code == 200
    # The same key claimed under another id is unknown.
    other = signed_get(client, "/users/anna/outbox", pair.private_pem, f"{BOB}#other", scheme="rfc9421")
    assert other.status_code == 401
    assert other.json()["error"] == "unknown_key"


def test_blocked_domain_is_403(client, secure, anna, bob, bob_keys):
    Peer.objects.create(domain="remote.example", blocked=True)  # the parent domain
    response = signed_get(client, "/users/anna", bob_keys.private_pem)
    assert response.status_code == 403
    assert response.json()["error"] == "domain_blocked"
    assert "WWW-Authenticate" not in response


def test_allowlist_mode_refuses_unlisted_domains(client, secure, anna, bob, bob_keys):
    FederationPolicy.objects.update_or_create(pk=1, defaults={"mode": FederationPolicy.Mode.ALLOWLIST})
    assert signed_get(client, "/users/anna", bob_keys.private_pem).status_code == 403
    Peer.objects.create(domain="social.remote.example", allowed=True)
    assert signed_get(client, "/users/anna", bob_keys.private_pem).status_code == 200


def test_bad_signature_is_401(client, secure, anna, bob):
    impostor = generate_rsa_keypair()
    response = signed_get(client, "/users/anna", impostor.private_pem)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"


def test_signature_for_another_path_is_401(client, secure, anna, bob, bob_keys):
    response = signed_get(client, "/users/anna/followers", bob_keys.private_pem, sign_path="/users/anna")
    assert response.status_code == 401


def test_stale_date_is_401(client, secure, anna, bob, bob_keys):
    old = datetime.now(UTC) - timedelta(seconds=secure.FEDERATION_SIGNATURE_WINDOW + 60)
    response = signed_get(client, "/users/anna", bob_keys.private_pem, now=old)
    assert response.status_code == 401
    assert response.json()["error"] == "date_out_of_window"


def test_unknown_key_is_401_without_fetching(client, secure, anna, bob_keys):
    response = signed_get(client, "/users/anna/outbox", bob_keys.private_pem)
    assert response.status_code == 401
    assert response.json()["error"] == "unknown_key"
    assert not RemoteActor.objects.exists()


def test_deleted_remote_actor_key_is_unknown(client, secure, anna, bob, bob_keys):
    bob.deleted_at = datetime.now(UTC)
    bob.save()
    assert signed_get(client, "/users/anna/outbox", bob_keys.private_pem).status_code == 401


def test_bootstrap_endpoints_stay_public(client, secure, anna):
    doc = client.get("/actors/weerbaarnl", headers={"Accept": AS_JSON})
    assert doc.status_code == 200
    assert doc.json()["publicKey"]["id"] == "http://testserver/actors/weerbaarnl#main-key"
    assert client.get("/.well-known/webfinger", {"resource": "acct:anna@testserver"}).status_code == 200
    assert client.get("/.well-known/host-meta").status_code == 200
    assert client.get("/.well-known/nodeinfo").status_code == 200
    assert client.get("/nodeinfo/2.1").status_code == 200
    # Browsers still reach the HTML page of a person.
    assert client.get("/users/anna", headers={"Accept": "text/html"}).status_code == 302


def test_open_mode_needs_no_signature(client, anna):
    assert client.get("/users/anna", headers={"Accept": AS_JSON}).status_code == 200


def test_verify_signed_request_reports_the_requester(secure, bob, bob_keys):
    url = "http://testserver/users/anna/outbox?page=2"
    headers = sign_cavage("GET", url, {}, None, BOB_KEY, bob_keys.private_pem)
    request = RequestFactory().get("/users/anna/outbox?page=2", headers=headers)
    requester = access.verify_signed_request(request)
    assert (requester.key_id, requester.actor_uri, requester.domain) == (BOB_KEY, BOB, "social.remote.example")
    assert requester.signature.key_id == BOB_KEY

    unsigned = RequestFactory().get("/users/anna/outbox")
    with pytest.raises(access.SignatureRequired) as caught:
        access.verify_signed_request(unsigned)
    assert caught.value.status == 401


def test_signed_post_body_is_checked(secure, bob, bob_keys):
    body = b'{"type":"Follow"}'
    url = "http://testserver/inbox"
    headers = sign_cavage("POST", url, {"Content-Type": AS_JSON}, body, BOB_KEY, bob_keys.private_pem)
    request = RequestFactory().post("/inbox", data=body, content_type=AS_JSON, headers=headers)
    assert access.verify_signed_request(request, body).actor_uri == BOB
    with pytest.raises(access.SignatureRejected) as caught:
        access.verify_signed_request(request, b'{"type":"Undo"}')
    assert caught.value.reason == "digest_mismatch"


MINIMAL_FIELDS = {"@context", "id", "type", "preferredUsername", "inbox", "outbox", "endpoints", "publicKey",
                  "assertionMethod"}


def test_unsigned_or_unknown_key_actor_fetch_gets_only_the_keys(client, secure, anna, bob_keys):
    # Others fetch our key to verify what we send them, signing with keys we may not know:
    # they get the keys and inbox, not the profile.
    for response in (client.get("/users/anna", headers={"Accept": AS_JSON}),
                     signed_get(client, "/users/anna", bob_keys.private_pem)):
        assert response.status_code == 200
        doc = response.json()
        assert set(doc) == MINIMAL_FIELDS
        assert doc["publicKey"]["owner"] == "http://testserver/users/anna"
    assert not RemoteActor.objects.exists()


def test_known_signer_gets_the_full_actor(client, secure, anna, bob, bob_keys):
    doc = signed_get(client, "/users/anna", bob_keys.private_pem).json()
    assert {"summary", "followers", "following", "published"} <= set(doc)


def test_actor_fetch_with_a_bad_signature_or_blocked_domain_is_refused(client, secure, anna, bob, bob_keys):
    assert signed_get(client, "/users/anna", generate_rsa_keypair().private_pem).status_code == 401
    Peer.objects.create(domain="remote.example", blocked=True)
    assert signed_get(client, "/users/anna", bob_keys.private_pem).status_code == 403
