"""Three of our nodes as real HTTP servers on 127.0.0.2-4, talking with real signatures.

Each node has its own database and its own background worker (embedded, or a celery worker
process on the broker in CI). Nothing between the nodes is mocked.
"""

import json

import pytest

from tests.cluster import Cluster
from tests.conftest import wait_for

pytestmark = pytest.mark.worker

PASSWORD_ENV = "CLUSTER_ADMIN_PASSWORD"


def total(node, path) -> int:
    response = node.get(path, headers={"Accept": "application/activity+json"})
    assert response.status_code == 200, response.text
    return response.json()["totalItems"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster")).add("a").add("b").add("c")
    try:
        c.start()
        c["a"].cli("demo")
        for node, name in ((c["b"], "bert"), (c["c"], "carla")):
            node.env[PASSWORD_ENV] = "een-lang-wachtwoord-42"
            node.cli("createadmin", name, "--password-env", PASSWORD_ENV)
        yield c
    except BaseException:
        print(c.logs())
        raise
    finally:
        c.stop()


def test_webfinger_finds_a_group_on_another_node(cluster):
    a = cluster["a"]
    jrd = a.get(f"/.well-known/webfinger?resource=acct:hoogwater@{a.domain}").json()
    self_link = next(link for link in jrd["links"] if link["rel"] == "self")
    assert self_link["href"] == f"{a.url}/groups/hoogwater"
    assert a.get(f"/.well-known/webfinger?resource=acct:hoogwater@{cluster['b'].domain}").status_code == 404


def test_follow_without_approval_is_accepted_both_sides(cluster):
    a, b = cluster["a"], cluster["b"]
    b.cli("federation", "follow", "--as", "bert", f"@hoogwater@{a.domain}")
    wait_for(lambda: total(a, "/groups/hoogwater/followers") == 1, timeout=30,
             message="a to record bert as follower")
    wait_for(lambda: total(b, "/users/bert/following") == 1, timeout=30,
             message="b to receive the Accept")


def test_follow_with_approval_waits_for_the_group_admin(cluster):
    a, c = cluster["a"], cluster["c"]
    c.cli("federation", "follow", "--as", "carla", f"@opvang@{a.domain}")
    pending = lambda: json.loads(a.shell(  # noqa: E731
        "from federation.models import Follow; import json; "
        "print(json.dumps(list(Follow.objects.filter(followee__username='opvang').values_list('state', flat=True))))"
    ))
    wait_for(lambda: pending() == ["pending"], timeout=30, message="a to hold carla's follow request")
    # Not a follower without approval, on either side.
    assert total(a, "/groups/opvang/followers") == 0
    assert total(c, "/users/carla/following") == 0
    a.cli("federation", "approve", "--as", "opvang", f"{c.url}/users/carla")
    wait_for(lambda: total(a, "/groups/opvang/followers") == 1, timeout=30, message="approval on a")
    wait_for(lambda: total(c, "/users/carla/following") == 1, timeout=30, message="c to receive the Accept")


def test_undo_follow_removes_the_follower(cluster):
    a, b = cluster["a"], cluster["b"]
    b.cli("federation", "unfollow", "--as", "bert", f"{a.url}/groups/hoogwater")
    wait_for(lambda: total(a, "/groups/hoogwater/followers") == 0, timeout=30, message="a to process the Undo")
    assert total(b, "/users/bert/following") == 0


def test_delivery_to_a_node_that_is_down_is_retried_until_it_returns(cluster):
    a, c = cluster["a"], cluster["c"]
    # carla follows opvang (approved above); take c down, then opvang changes its name.
    c.stop()
    activity_id = a.shell(
        "from federation.models import Activity, Actor; from federation.services import update_local_actor; "
        "g = update_local_actor(Actor.objects.get(username='opvang'), name='Opvang en bevolkingszorg (nieuw)'); "
        "print(Activity.objects.filter(actor=g, type='Update').latest('created').uri)"
    ).strip()
    delivery = lambda: json.loads(a.shell(  # noqa: E731
        "from federation.models import Delivery; import json; "
        f"d = Delivery.objects.get(activity__uuid='{activity_id.rsplit('/', 1)[1]}'); "
        "print(json.dumps({'status': d.status, 'attempts': d.attempts}))"
    ))
    wait_for(lambda: delivery()["attempts"] >= 1, timeout=30, message="a first, failing attempt")
    assert delivery()["status"] == "pending"
    c._spawn_serve_and_worker()
    wait_for(lambda: delivery()["status"] == "delivered", timeout=60, message="the retry after c came back")
    seen = lambda: json.loads(c.shell(  # noqa: E731
        "from federation.models import InboxItem, RemoteActor; import json; "
        f"print(json.dumps([InboxItem.objects.filter(activity_id='{activity_id}').count(), "
        f"list(InboxItem.objects.filter(activity_id='{activity_id}').values_list('status', flat=True)), "
        f"RemoteActor.objects.get(uri='{a.url}/groups/opvang').name]))"
    ))
    wait_for(lambda: seen()[1] == ["processed"], timeout=30, message="c to process the Update")
    count, statuses, name = seen()
    assert count == 1  # stored once, processed once
    assert name == "Opvang en bevolkingszorg (nieuw)"
    assert total(c, "/users/carla/following") == 1


def test_deleting_an_actor_reaches_the_actors_it_followed(cluster):
    a, c = cluster["a"], cluster["c"]
    assert total(a, "/groups/opvang/followers") == 1  # carla, approved above
    c.shell("from federation.models import Actor; from federation.services import delete_local_actor; "
            "delete_local_actor(Actor.objects.get(username='carla'))")
    assert c.get("/users/carla", headers={"Accept": "application/activity+json"}).status_code == 410
    wait_for(lambda: total(a, "/groups/opvang/followers") == 0, timeout=60, message="a to process the Delete")
    deleted = a.shell(
        "from federation.models import RemoteActor; "
        f"print(RemoteActor.objects.get(uri='{c.url}/users/carla').deleted_at is not None)"
    ).strip()
    assert deleted == "True"
