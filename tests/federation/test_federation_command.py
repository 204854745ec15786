"""`federation` management command (behind `weerbaarnl federation ...`): every subcommand and its errors."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from federation.management.commands.federation import normalise_domain
from federation.models import Activity, Actor, Delivery, FederationPolicy, Follow, Peer
from federation.policy import may_federate


def run(*args) -> str:
    out = StringIO()
    call_command("federation", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("given, expected", [
    ("Mastodon.Social", "mastodon.social"),
    ("https://Social.Example.org/@anna?x=1", "social.example.org"),
    ("http://node.example:8080/inbox", "node.example:8080"),
    ("https://node.example:443/", "node.example"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("  spaced.example  ", "spaced.example"),
])
def test_domains_are_normalised(given, expected):
    assert normalise_domain(given) == expected


@pytest.mark.parametrize("bad", ["", "not a domain", "-bad.example", "anna@social.example", "exa_mple.org",
                                 "https://", "a..b", "x" * 64 + ".example"])
def test_invalid_domains_are_refused(bad):
    with pytest.raises(CommandError):
        normalise_domain(bad)


@pytest.mark.django_db
def test_block_drops_pending_deliveries_and_follows_of_the_domain_and_subdomains():
    actor = Actor.objects.create(type=Actor.Type.PERSON, username="anna")
    activity = Activity.objects.create(actor=actor, type="Create", payload={})
    now = timezone.now()
    for inbox in ("https://bad.example/inbox", "https://sub.bad.example:8443/inbox", "https://notbad.example/inbox"):
        Delivery.objects.create(activity=activity, inbox=inbox, host=inbox.split("/")[2], next_attempt_at=now)
    Delivery.objects.create(activity=activity, inbox="https://bad.example/done", host="bad.example",
                            next_attempt_at=now, status="delivered")
    Follow.objects.create(follower_uri="https://bad.example/users/x", followee_uri=actor.uri, followee=actor)
    Follow.objects.create(follower_uri=actor.uri, followee_uri="https://sub.bad.example/u/y", follower=actor)
    Follow.objects.create(follower_uri="https://notbad.example/users/z", followee_uri=actor.uri, followee=actor)
    out = run("block", "HTTPS://Bad.Example/about", "--reason", "spam wave")
    assert "Blocked bad.example: 2 pending deliveries dropped, 2 follow relations removed" in out
    peer = Peer.objects.get(domain="bad.example")
    assert peer.blocked and peer.reason == "spam wave"
    assert sorted(Delivery.objects.filter(status="pending").values_list("host", flat=True)) == ["notbad.example"]
    assert Delivery.objects.filter(status="delivered").count() == 1
    assert list(Follow.objects.values_list("follower_uri", flat=True)) == ["https://notbad.example/users/z"]
    assert not may_federate("sub.bad.example")


@pytest.mark.django_db
def test_unblock_lifts_the_block_and_errors_when_not_blocked():
    run("block", "bad.example")
    assert "Unblocked bad.example" in run("unblock", "bad.example")
    assert may_federate("bad.example") and not Peer.objects.get(domain="bad.example").blocked
    with pytest.raises(CommandError, match="not blocked"):
        run("unblock", "bad.example")
    with pytest.raises(CommandError, match="not a domain"):
        run("unblock", "bad example")


@pytest.mark.django_db
def test_allow_disallow_and_mode():
    assert "Federation mode: allowlist (0 domains" in run("mode", "allowlist")
    assert FederationPolicy.current().mode == "allowlist"
    assert not may_federate("gov.example")
    assert "gov.example is on the allow-list" in run("allow", "gov.example")
    assert may_federate("gov.example") and may_federate("vr.gov.example")
    assert "no longer" in run("disallow", "gov.example")
    assert not may_federate("gov.example")
    with pytest.raises(CommandError, match="not on the allow-list"):
        run("disallow", "gov.example")
    run("block", "evil.example")
    assert "the block wins" in run("allow", "evil.example")
    assert "Federation mode: open." in run("mode", "open")
    assert may_federate("anything.example")
    with pytest.raises(CommandError):
        run("mode", "closed")


@pytest.mark.django_db
def test_status_table_and_details():
    assert "No peers yet." in run("status")
    now = timezone.now()
    actor = Actor.objects.create(type=Actor.Type.PERSON, username="anna")
    activity = Activity.objects.create(actor=actor, type="Create", payload={})
    Peer.objects.create(domain="down.example", state="unavailable", first_failure_at=now - timedelta(days=8),
                        last_failure_at=now)
    Peer.objects.create(domain="gov.example", allowed=True, last_success_at=now)
    for n in range(3):
        Delivery.objects.create(activity=activity, inbox=f"https://down.example/{n}/inbox", host="down.example",
                                next_attempt_at=now)
    Delivery.objects.create(activity=activity, inbox="https://new.example/inbox", host="new.example",
                            next_attempt_at=now, status="dropped")
    table = run("status").splitlines()
    assert table[0] == "Federation mode: open"
    assert table[1].split() == ["DOMAIN", "STATE", "POLICY", "LAST", "SUCCESS", "FAILING", "SINCE", "PENDING"]
    rows = {line.split()[0]: line.split() for line in table[2:]}
    assert rows["down.example"][1:3] == ["unavailable", "-"] and rows["down.example"][-1] == "3"
    assert rows["gov.example"][1:3] == ["available", "allowed"] and rows["gov.example"][-1] == "0"
    assert set(rows) == {"down.example", "gov.example"}
    details = run("status", "https://Down.Example/")
    assert "state:         unavailable" in details and "federates:     yes" in details
    assert "3 pending, 0 delivered, 0 dropped" in details
    run("block", "down.example", "--reason", "gone rogue")
    details = run("status", "down.example")
    assert "federates:     no (blocked by this node)" in details and "blocked:       yes (gone rogue)" in details
    with pytest.raises(CommandError):
        run("status", "not a domain")


@pytest.mark.django_db
def test_a_missing_or_unknown_subcommand_is_an_error():
    with pytest.raises(CommandError):
        run()
    with pytest.raises(CommandError):
        run("purge", "x.example")
    with pytest.raises(CommandError):
        run("block")
