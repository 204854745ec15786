"""Actor documents of local actors: fields, keys, content negotiation, deletion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from federation import registry
from federation.crypto import ed25519_public_key_from_multibase, load_public_key, public_key_to_pem
from federation.models import Actor, ActorKey, Tombstone
from federation.services import create_local_actor

pytestmark = pytest.mark.django_db

AS_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def get_json(client, path, accept=AS_JSON):
    return client.get(path, headers={"Accept": accept})


@pytest.fixture
def no_group_page(monkeypatch):
    """Groups without a registered HTML page, whatever other packages register."""
    monkeypatch.delitem(registry._profile_urls, "Group", raising=False)


@pytest.mark.parametrize(
    ("actor_type", "prefix"),
    [("Person", "users"), ("Group", "groups"), ("Organization", "orgs"), ("Application", "actors")],
)
def test_document_of_each_type(client, actor_type, prefix):
    create_local_actor(actor_type, "buurt", name="De Buurt", summary="Samen sterk.")
    response = get_json(client, f"/{prefix}/buurt")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/activity+json; charset=utf-8"
    assert "Accept" in response["Vary"]
    doc = response.json()
    uri = f"http://testserver/{prefix}/buurt"
    assert doc["@context"][:3] == [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    terms = doc["@context"][3]
    assert terms["manuallyApprovesFollowers"] == "as:manuallyApprovesFollowers"
    assert terms["toot"] == "http://joinmastodon.org/ns#"
    assert {"discoverable", "indexable", "featured", "assertionMethod"} <= set(terms)
    assert doc["id"] == uri
    assert doc["type"] == actor_type
    assert doc["preferredUsername"] == "buurt"
    assert doc["name"] == "De Buurt"
    assert doc["summary"] == "<p>Samen sterk.</p>"
    assert doc["inbox"] == f"{uri}/inbox"
    assert doc["outbox"] == f"{uri}/outbox"
    assert doc["followers"] == f"{uri}/followers"
    assert doc["following"] == f"{uri}/following"
    assert doc["endpoints"] == {"sharedInbox": "http://testserver/inbox"}
    assert doc["manuallyApprovesFollowers"] is False
    assert doc["discoverable"] is True
    assert doc["indexable"] is False
    assert doc["url"].startswith("http://testserver/")
    created = Actor.objects.get(username="buurt").created
    assert doc["published"] == created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    datetime.strptime(doc["published"], "%Y-%m-%dT%H:%M:%SZ")
    assert "icon" not in doc


def test_keys_are_generated_once_and_published(client):
    anna = create_local_actor("Person", "anna")
    assert not ActorKey.objects.filter(actor=anna).exists()

    doc = get_json(client, "/users/anna").json()
    again = get_json(client, "/users/anna").json()

    keys = {key.kind: key for key in ActorKey.objects.filter(actor=anna)}
    assert set(keys) == {"rsa", "ed25519"}
    assert doc["publicKey"] == again["publicKey"]
    assert doc["publicKey"]["id"] == "http://testserver/users/anna#main-key"
    assert doc["publicKey"]["owner"] == "http://testserver/users/anna"
    rsa_key = load_public_key(doc["publicKey"]["publicKeyPem"])
    assert isinstance(rsa_key, rsa.RSAPublicKey) and rsa_key.key_size == 2048
    assert doc["publicKey"]["publicKeyPem"] == keys["rsa"].public_pem

    [method] = doc["assertionMethod"]
    assert method["id"] == "http://testserver/users/anna#ed25519-key"
    assert method["type"] == "Multikey"
    assert method["controller"] == "http://testserver/users/anna"
    assert method["publicKeyMultibase"].startswith("z6Mk")
    ed_key = ed25519_public_key_from_multibase(method["publicKeyMultibase"])
    assert isinstance(ed_key, ed25519.Ed25519PublicKey)
    assert public_key_to_pem(ed_key) == keys["ed25519"].public_pem


def test_plain_text_summary_is_escaped(client):
    create_local_actor("Person", "anna", summary="Hallo <script>x</script> & co\nregel twee\n\nalinea \"2\"")
    doc = get_json(client, "/users/anna").json()
    assert doc["summary"] == (
        "<p>Hallo &lt;script&gt;x&lt;/script&gt; &amp; co<br>regel twee</p><p>alinea &quot;2&quot;</p>"
    )


def test_empty_summary_and_flags(client):
    create_local_actor("Group", "wijk", manually_approves_followers=True, discoverable=False, indexable=True,
                       icon_url="https://cdn.example/avatar.png?v=2")
    doc = get_json(client, "/groups/wijk").json()
    assert doc["summary"] == ""
    assert doc["name"] == ""
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["discoverable"] is False
    assert doc["indexable"] is True
    assert doc["icon"] == {"type": "Image", "url": "https://cdn.example/avatar.png?v=2", "mediaType": "image/png"}


def test_browser_is_redirected_to_the_profile_page(client):
    create_local_actor("Person", "anna")
    response = client.get("/users/anna", headers={"Accept": BROWSER})
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/accounts/profile/anna/"
    assert "Accept" in response["Vary"]
    assert get_json(client, "/users/anna")["Content-Type"].startswith(AS_JSON)


def test_ld_json_with_profile_gets_json(client):
    create_local_actor("Person", "anna")
    response = get_json(client, "/users/anna", accept=LD_JSON)
    assert response.status_code == 200
    assert response.json()["type"] == "Person"


def test_browser_gets_json_when_no_page_is_registered(client, no_group_page):
    create_local_actor("Group", "wijk")
    response = client.get("/groups/wijk", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.json()["id"] == "http://testserver/groups/wijk"
    assert response.json()["url"] == "http://testserver/groups/wijk"


def test_instance_actor_is_created_on_first_fetch(client):
    assert not Actor.objects.filter(type="Application").exists()
    response = client.get("/actors/weerbaarnl", headers={"Accept": BROWSER})
    assert response.status_code == 200
    doc = response.json()
    assert doc["type"] == "Application"
    assert doc["id"] == "http://testserver/actors/weerbaarnl"
    assert doc["manuallyApprovesFollowers"] is True
    assert Actor.objects.filter(type="Application", username="weerbaarnl").count() == 1


@pytest.mark.parametrize("path", ["/groups/anna", "/orgs/anna", "/actors/anna", "/users/nobody"])
def test_wrong_prefix_or_unknown_is_404(client, path):
    create_local_actor("Person", "anna")
    assert get_json(client, path).status_code == 404
    assert not ActorKey.objects.exists()


def test_deleted_actor_is_gone_with_a_tombstone(client):
    anna = create_local_actor("Person", "anna")
    anna.deleted_at = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    anna.save()
    for accept in (AS_JSON, BROWSER):
        response = client.get("/users/anna", headers={"Accept": accept})
        assert response.status_code == 410
        assert response.json() == {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "http://testserver/users/anna",
            "type": "Tombstone",
            "formerType": "Person",
            "deleted": "2025-03-01T12:00:00Z",
        }
    assert not ActorKey.objects.filter(actor=anna).exists()


def test_removed_actor_with_tombstone_row_is_gone(client):
    Tombstone.objects.create(uri="http://testserver/groups/oud", former_type="Group")
    response = get_json(client, "/groups/oud")
    assert response.status_code == 410
    assert response.json()["formerType"] == "Group"


def test_only_safe_methods(client):
    create_local_actor("Person", "anna")
    assert client.post("/users/anna").status_code == 405
    assert client.head("/users/anna", headers={"Accept": AS_JSON}).status_code == 200


def test_query_count_is_bounded(client, django_assert_max_num_queries):
    create_local_actor("Person", "anna")
    get_json(client, "/users/anna")  # generates the keys
    with django_assert_max_num_queries(2):
        assert get_json(client, "/users/anna").status_code == 200
