"""The per-host circuit breaker: when a host becomes unavailable, how it is probed, how it resumes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from federation.delivery import publish
from federation.delivery.breaker import record_failure, record_success
from federation.delivery.send import deliver
from federation.delivery.sweep import sweep
from federation.models import Delivery, Peer

from .helpers import make_actor

NOTE = {"type": "Create", "object": "http://testserver/notes/1"}
DAY = timedelta(days=1)


def state(host: str) -> str:
    return Peer.objects.get(domain=host).state


@pytest.mark.django_db
def test_a_host_that_never_answered_is_unavailable_after_7_failing_days():
    start = timezone.now() - 10 * DAY
    record_failure("dead.example", start)
    record_failure("dead.example", start + 4 * DAY)
    assert state("dead.example") == "available"  # no earlier success: the 3-day rule does not apply
    record_failure("dead.example", start + 7 * DAY)
    peer = Peer.objects.get(domain="dead.example")
    assert peer.state == "unavailable" and peer.first_failure_at == start and peer.last_failure_at == start + 7 * DAY


@pytest.mark.django_db
def test_a_host_is_unavailable_after_3_days_without_success():
    start = timezone.now() - 10 * DAY
    record_success("quiet.example", start)
    record_failure("quiet.example", start + DAY)
    record_failure("quiet.example", start + 2 * DAY + timedelta(hours=23))
    assert state("quiet.example") == "available"
    record_failure("quiet.example", start + 3 * DAY)
    assert state("quiet.example") == "unavailable"


@pytest.mark.django_db
def test_thresholds_follow_the_time_scale(settings):
    settings.FEDERATION_DELIVERY_TIME_SCALE = 1 / 86400  # a day lasts a second
    start = timezone.now()
    record_success("fast.example", start)
    record_failure("fast.example", start + timedelta(seconds=1))
    record_failure("fast.example", start + timedelta(seconds=3))
    assert state("fast.example") == "unavailable"


@pytest.mark.django_db
def test_any_success_resumes_the_host_and_makes_its_deliveries_due(django_capture_on_commit_callbacks):
    now = timezone.now()
    record_failure("back.example", now - 8 * DAY)
    record_failure("back.example", now - DAY)
    assert state("back.example") == "unavailable"
    activity = publish(make_actor(), NOTE, recipients=["https://back.example/inbox", "https://other.example/inbox"])
    Delivery.objects.update(next_attempt_at=now + timedelta(hours=6))
    with django_capture_on_commit_callbacks() as callbacks:
        record_success("back.example", now)
    peer = Peer.objects.get(domain="back.example")
    assert peer.state == "available" and peer.first_failure_at is None and peer.last_success_at == now
    assert activity.deliveries.get(host="back.example").next_attempt_at == now
    assert activity.deliveries.get(host="other.example").next_attempt_at == now + timedelta(hours=6)
    assert len(callbacks) == 1  # the sweeper is kicked to send them


@pytest.mark.django_db
def test_allow_listed_hosts_are_never_unavailable_but_raise_an_error_once(federation_logs):
    Peer.objects.create(domain="gov.example", allowed=True)
    start = timezone.now() - 10 * DAY
    record_failure("gov.example", start)
    record_failure("gov.example", start + 7 * DAY)
    record_failure("gov.example", start + 8 * DAY)
    assert state("gov.example") == "available"
    errors = [r for r in federation_logs.records if r.levelname == "ERROR" and "gov.example" in r.getMessage()]
    assert len(errors) == 1 and "allow-listed" in errors[0].getMessage()


@pytest.mark.django_db
def test_the_sweeper_skips_unavailable_hosts_except_one_probe(monkeypatch, django_capture_on_commit_callbacks):
    from federation.delivery import tasks

    sent = []
    monkeypatch.setattr(tasks.deliver_one, "delay", lambda *a: sent.append(a))
    now = timezone.now()
    Peer.objects.create(domain="down.example", state=Peer.State.UNAVAILABLE)
    actor = make_actor()
    for n in range(3):
        publish(actor, NOTE, recipients=[f"https://down.example/{n}/inbox", f"https://up.example/{n}/inbox"])
    Delivery.objects.update(next_attempt_at=now - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now) == 4
    hosts = [Delivery.objects.get(pk=pk).host for pk, _ in sent]
    assert sorted(hosts) == ["down.example"] + ["up.example"] * 3
    # The probe counts as an attempt only once claimed; while it is recent no second probe.
    probe = Delivery.objects.get(pk=next(pk for pk, _ in sent if Delivery.objects.get(pk=pk).host == "down.example"))
    Delivery.objects.filter(pk=probe.pk).update(last_attempt_at=now, next_attempt_at=now - timedelta(seconds=1))
    Delivery.objects.filter(host="up.example").update(status="delivered")
    assert sweep(now + timedelta(minutes=5)) == 0
    assert sweep(now + timedelta(hours=1, seconds=1)) == 1


@pytest.mark.django_db
def test_the_sweeper_drops_deliveries_to_unavailable_hosts_past_the_window():
    now = timezone.now()
    Peer.objects.create(domain="down.example", state=Peer.State.UNAVAILABLE)
    activity = publish(make_actor(), NOTE, recipients=["https://down.example/inbox"])
    Delivery.objects.update(first_attempt_at=now - timedelta(hours=73), next_attempt_at=now,
                            last_attempt_at=now - timedelta(minutes=1))
    sweep(now)
    delivery = activity.deliveries.get()
    assert delivery.status == "dropped" and "gave up" in delivery.last_error


@pytest.mark.django_db
def test_a_dead_host_goes_unavailable_and_comes_back_on_a_probe(sink, private_ok):
    """Real HTTP, compressed time: 500s until the host is unavailable, then a probe succeeds."""
    private_ok.FEDERATION_DELIVERY_TIME_SCALE = 1 / 86400
    sink.default = (500, {})
    activity = publish(make_actor(), NOTE, recipients=[sink.url("/a/inbox"), sink.url("/b/inbox")])
    first, second = activity.deliveries.order_by("pk")
    record_success(sink.host, timezone.now() - timedelta(seconds=10))
    Delivery.objects.update(next_attempt_at=timezone.now())
    deliver(first.pk)
    assert state(sink.host) == "unavailable"
    sink.default = (202, {})
    Delivery.objects.update(next_attempt_at=timezone.now(), last_attempt_at=timezone.now() - timedelta(hours=2))
    deliver(second.pk)  # the probe
    assert state(sink.host) == "available"
    assert Delivery.objects.get(pk=second.pk).status == "delivered"
