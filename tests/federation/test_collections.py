"""Outbox, followers and following collections (paged) and single activities."""

from __future__ import annotations

import uuid

import pytest

from federation.models import Activity, Follow, Tombstone
from federation.services import create_local_actor

pytestmark = pytest.mark.django_db

AS_JSON = "application/activity+json"


def get(client, path):
    return client.get(path, headers={"Accept": AS_JSON})


@pytest.fixture
def anna(db):
    return create_local_actor("Person", "anna")


def remote(n: int) -> str:
    return f"https://remote.example/users/f{n}"


@pytest.fixture
def followers_120(anna):
    Follow.objects.bulk_create(
        Follow(follower_uri=remote(n), followee_uri=anna.uri, followee=anna, state=Follow.State.ACCEPTED)
        for n in range(120)
    )
    # Not followers: a pending request and a rejected one.
    Follow.objects.create(follower_uri=remote(500), followee_uri=anna.uri, followee=anna)
    Follow.objects.create(follower_uri=remote(501), followee_uri=anna.uri, followee=anna,
                          state=Follow.State.REJECTED)
    return anna


def test_followers_root(client, followers_120):
    response = get(client, "/users/anna/followers")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/activity+json; charset=utf-8"
    assert response.json() == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "http://testserver/users/anna/followers",
        "type": "OrderedCollection",
        "totalItems": 120,
        "first": "http://testserver/users/anna/followers?page=1",
    }


def test_followers_pages(client, followers_120):
    base = "http://testserver/users/anna/followers"
    seen = []
    url, pages = f"{base}?page=1", []
    while url:
        page = get(client, url.removeprefix("http://testserver")).json()
        pages.append(page)
        assert page["type"] == "OrderedCollectionPage"
        assert page["partOf"] == base
        assert page["id"] == url
        seen += page["orderedItems"]
        url = page.get("next")
    assert [len(p["orderedItems"]) for p in pages] == [50, 50, 20]
    assert "prev" not in pages[0]
    assert pages[1]["prev"] == f"{base}?page=1"
    assert pages[2]["prev"] == f"{base}?page=2"
    assert len(seen) == len(set(seen)) == 120
    assert set(seen) == {remote(n) for n in range(120)}
    assert seen[0] == remote(119)  # newest first


def test_page_past_the_end_is_empty(client, followers_120):
    page = get(client, "/users/anna/followers?page=4").json()
    assert page["orderedItems"] == []
    assert "next" not in page
    assert page["prev"] == "http://testserver/users/anna/followers?page=3"


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "99999999999999999999"])
def test_bad_page_is_400(client, followers_120, page):
    assert get(client, f"/users/anna/followers?page={page}").status_code == 400


def test_following(client, anna):
    Follow.objects.create(follower_uri=anna.uri, follower=anna, followee_uri=remote(1), state=Follow.State.ACCEPTED)
    Follow.objects.create(follower_uri=anna.uri, follower=anna, followee_uri=remote(2))  # pending
    assert get(client, "/users/anna/following").json()["totalItems"] == 1
    assert get(client, "/users/anna/following?page=1").json()["orderedItems"] == [remote(1)]
    # anna's own follow of someone does not make them her follower
    assert get(client, "/users/anna/followers").json()["totalItems"] == 0


def test_hidden_collections_show_only_the_count(client, followers_120):
    followers_120.hide_collections = True
    followers_120.save()
    Follow.objects.create(follower_uri=followers_120.uri, follower=followers_120, followee_uri=remote(1),
                          state=Follow.State.ACCEPTED)
    for name, total in (("followers", 120), ("following", 1)):
        doc = get(client, f"/users/anna/{name}").json()
        assert doc == {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"http://testserver/users/anna/{name}",
            "type": "OrderedCollection",
            "totalItems": total,
        }
        response = get(client, f"/users/anna/{name}?page=1")
        assert response.status_code == 403
        assert "orderedItems" not in response.json()
    # The outbox is not a list of people: it stays visible.
    assert "first" in get(client, "/users/anna/outbox").json()


def make_activity(actor, n: int, public: bool = True) -> Activity:
    activity_uuid = uuid.uuid4()
    uri = f"http://testserver/activities/{activity_uuid}"
    payload = {"@context": "https://www.w3.org/ns/activitystreams", "id": uri, "type": "Create",
               "actor": actor.uri, "object": {"type": "Note", "content": f"bericht {n}"}}
    return Activity.objects.create(uuid=activity_uuid, actor=actor, type="Create", payload=payload, public=public)


def test_outbox(client, anna):
    public = [make_activity(anna, n) for n in range(3)]
    make_activity(anna, 99, public=False)
    root = get(client, "/users/anna/outbox").json()
    assert root["totalItems"] == 3
    page = get(client, "/users/anna/outbox?page=1").json()
    assert [item["id"] for item in page["orderedItems"]] == [a.uri for a in reversed(public)]
    assert all("@context" not in item for item in page["orderedItems"])
    assert page["orderedItems"][0]["object"]["content"] == "bericht 2"
    assert "next" not in page


def test_unknown_or_deleted_actor(client, anna):
    assert get(client, "/users/nobody/followers").status_code == 404
    assert get(client, "/groups/anna/outbox").status_code == 404
    anna.deleted_at = anna.created
    anna.save()
    assert get(client, "/users/anna/outbox").status_code == 404


def test_query_count_is_bounded(client, followers_120, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert get(client, "/users/anna/followers?page=2").status_code == 200
    with django_assert_max_num_queries(2):
        assert get(client, "/users/anna/followers").status_code == 200


def test_activity_detail(client, anna):
    activity = make_activity(anna, 1)
    response = get(client, f"/activities/{activity.uuid}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/activity+json; charset=utf-8"
    assert response.json() == activity.payload


def test_private_or_unknown_activity_is_404(client, anna):
    private = make_activity(anna, 1, public=False)
    assert get(client, f"/activities/{private.uuid}").status_code == 404
    assert get(client, f"/activities/{uuid.uuid4()}").status_code == 404


def test_deleted_activity_is_gone(client, anna):
    activity = make_activity(anna, 1)
    Tombstone.objects.create(uri=activity.uri, former_type="Create")
    response = get(client, f"/activities/{activity.uuid}")
    assert response.status_code == 410
    assert response.json()["type"] == "Tombstone"
    assert response.json()["id"] == activity.uri
