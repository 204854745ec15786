"""WebFinger, host-meta and the FEP-2677 NodeInfo link."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from federation.models import Actor
from federation.services import create_local_actor

pytestmark = pytest.mark.django_db

XRD_NS = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"


def finger(client, resource=None):
    return client.get("/.well-known/webfinger", {} if resource is None else {"resource": resource})


@pytest.fixture
def anna(db):
    return create_local_actor("Person", "anna", name="Anna")


def use_public_url(settings, url, host, port, domain):
    settings.WEERBAAR_URL = url
    settings.WEERBAAR_SCHEME = url.split("://", 1)[0]
    settings.WEERBAAR_HOST = host
    settings.WEERBAAR_PORT = port
    settings.WEERBAAR_DOMAIN = domain


def test_acct_lookup(client, anna):
    response = finger(client, "acct:anna@testserver")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jrd+json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    doc = response.json()
    assert doc["subject"] == "acct:anna@testserver"
    assert doc["aliases"] == ["http://testserver/users/anna", "http://testserver/accounts/profile/anna/"]
    [self_link] = [link for link in doc["links"] if link["rel"] == "self"]
    assert self_link["type"] == "application/activity+json"
    assert self_link["href"] == "http://testserver/users/anna"
    [page] = [link for link in doc["links"] if link["rel"] == "http://webfinger.net/rel/profile-page"]
    assert page == {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                    "href": "http://testserver/accounts/profile/anna/"}
    assert not any("ostatus" in link["rel"] for link in doc["links"])


@pytest.mark.parametrize("resource", ["acct:Anna@TestServer", "anna@testserver", "@anna@testserver",
                                      "acct:anna@testserver:80"])
def test_acct_variants(client, anna, resource):
    response = finger(client, resource)
    assert response.status_code == 200, resource
    assert response.json()["subject"] == "acct:anna@testserver"


def test_groups_and_organisations_are_found(client):
    create_local_actor("Group", "wijk")
    create_local_actor("Organization", "rodekruis")
    group = finger(client, "acct:wijk@testserver").json()
    assert [link["href"] for link in group["links"] if link["rel"] == "self"] == ["http://testserver/groups/wijk"]
    org = finger(client, "acct:rodekruis@testserver").json()
    [self_link] = [link for link in org["links"] if link["rel"] == "self"]
    assert self_link["href"] == "http://testserver/orgs/rodekruis"
    assert self_link["properties"] == {"https://www.w3.org/ns/activitystreams#type": "Organization"}


def test_domain_with_non_default_port(client, settings, anna):
    use_public_url(settings, "http://node.test:8000", "node.test", 8000, "node.test:8000")
    ok = finger(client, "acct:anna@node.test:8000")
    assert ok.status_code == 200
    assert ok.json()["subject"] == "acct:anna@node.test:8000"
    assert ok.json()["aliases"][0] == "http://node.test:8000/users/anna"
    assert finger(client, "acct:anna@node.test").status_code == 404
    assert finger(client, "http://node.test:8000/users/anna").status_code == 200
    assert finger(client, "http://node.test/users/anna").status_code == 404


def test_domain_with_default_port(client, settings, anna):
    use_public_url(settings, "https://node.test", "node.test", None, "node.test")
    for resource in ("acct:anna@node.test", "acct:anna@node.test:443", "https://node.test/users/anna"):
        response = finger(client, resource)
        assert response.status_code == 200, resource
        assert response.json()["subject"] == "acct:anna@node.test"
    assert finger(client, "acct:anna@node.test:8443").status_code == 404
    assert finger(client, "http://node.test/users/anna").status_code == 404  # other scheme


def test_lookup_by_actor_uri(client, anna):
    response = finger(client, "http://testserver/users/anna")
    assert response.status_code == 200
    assert response.json()["subject"] == "acct:anna@testserver"
    assert finger(client, "http://testserver/groups/anna").status_code == 404  # wrong type
    assert finger(client, "http://testserver/accounts/profile/anna/").status_code == 404


@pytest.mark.parametrize("resource", ["acct:anna@remote.example", "https://remote.example/users/anna",
                                      "acct:anna@testserver.evil.example", "acct:nobody@testserver"])
def test_remote_or_unknown_is_404(client, anna, resource):
    response = finger(client, resource)
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("resource", [None, "", "anna", "acct:anna", "acct:@testserver", "acct:anna@",
                                      "acct:an na@testserver", "acct:" + "a" * 1000 + "@testserver"])
def test_missing_or_malformed_resource_is_400(client, anna, resource):
    assert finger(client, resource).status_code == 400


def test_deleted_actor_is_not_found(client, anna):
    anna.deleted_at = datetime.now(UTC)
    anna.save()
    assert finger(client, "acct:anna@testserver").status_code == 404
    assert finger(client, "http://testserver/users/anna").status_code == 404


@pytest.mark.parametrize("resource", ["acct:testserver@testserver", "acct:weerbaarnl@testserver",
                                      "http://testserver/actors/weerbaarnl"])
def test_instance_actor(client, resource):
    response = finger(client, resource)
    assert response.status_code == 200
    doc = response.json()
    assert doc["subject"] == "acct:weerbaarnl@testserver"
    assert [link["href"] for link in doc["links"] if link["rel"] == "self"] == ["http://testserver/actors/weerbaarnl"]
    assert Actor.objects.filter(type="Application").count() == 1


def test_host_meta_xml(client):
    response = client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xrd+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{XRD_NS}XRD"
    [link] = root.findall(f"{XRD_NS}Link")
    assert link.get("rel") == "lrdd"
    assert link.get("template") == "http://testserver/.well-known/webfinger?resource={uri}"


def test_host_meta_json(client):
    response = client.get("/.well-known/host-meta", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {
        "links": [{"rel": "lrdd", "template": "http://testserver/.well-known/webfinger?resource={uri}"}]
    }


def test_nodeinfo_links_the_instance_actor(client):
    links = client.get("/.well-known/nodeinfo").json()["links"]
    [app] = [link for link in links if link["rel"] == "https://www.w3.org/ns/activitystreams#Application"]
    assert app["href"] == "http://testserver/actors/weerbaarnl"
    doc = client.get(app["href"], headers={"Accept": "application/activity+json"}).json()
    assert doc["type"] == "Application"
    assert doc["id"] == app["href"]
