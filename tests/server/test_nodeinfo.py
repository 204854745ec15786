import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from server.models import NodeSettings

pytestmark = pytest.mark.django_db


def test_well_known_links_to_both_versions(client):
    response = client.get("/.well-known/nodeinfo")
    assert response.status_code == 200
    # Besides the NodeInfo schemas, the FEP-2677 instance actor link (tests/federation/test_discovery.py).
    links = [link for link in response.json()["links"] if "nodeinfo.diaspora.software" in link["rel"]]
    assert {link["rel"] for link in links} == {
        "http://nodeinfo.diaspora.software/ns/schema/2.1",
        "http://nodeinfo.diaspora.software/ns/schema/2.0",
    }
    assert all(link["href"].startswith("http://testserver/nodeinfo/2.") for link in links)


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_document_describes_the_node(client, version):
    from server.demo import load_demo

    load_demo()
    User = get_user_model()
    User.objects.filter(username="beheerder").update(last_login=timezone.now())
    node = NodeSettings.current()
    node.registration_mode = NodeSettings.Registration.OPEN
    node.save()

    response = client.get(f"/nodeinfo/{version}")
    assert response.status_code == 200
    assert f"schema/{version}#" in response["Content-Type"]
    doc = response.json()
    assert doc["version"] == version
    assert doc["software"]["name"] == "weerbaarnl"
    assert doc["software"]["version"]
    assert doc["protocols"] == ["activitypub"]
    assert doc["openRegistrations"] is True
    assert doc["usage"]["users"] == {"total": 1, "activeMonth": 1, "activeHalfyear": 1}
    assert doc["usage"]["localGroups"] == 5
    assert doc["usage"]["localOrganisations"] == 5
    assert doc["metadata"]["nodeName"] == "WeerbaarNL Utrecht (demo)"
    assert doc["metadata"]["nodeRegion"] == "VR09"
    assert doc["metadata"]["federationMode"] == "open"
    assert doc["metadata"]["registrationMode"] == "open"


def test_registration_closed_unless_open(client):
    node = NodeSettings.current()
    node.registration_mode = NodeSettings.Registration.INVITE
    node.save()
    assert client.get("/nodeinfo/2.1").json()["openRegistrations"] is False


def test_unknown_version_is_404(client):
    assert client.get("/nodeinfo/1.0").status_code == 404


def test_post_is_not_allowed(client):
    assert client.post("/nodeinfo/2.1").status_code == 405
