"""One delivery attempt against a real inbox server on loopback: signature, outcomes, retries."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from federation.crypto import verify_request
from federation.delivery import publish
from federation.delivery.send import deliver
from federation.models import Delivery, Peer

from .helpers import make_actor

NOTE = {"type": "Create", "object": {"id": "http://testserver/notes/1", "type": "Note", "content": "Hoi"}}


def one_delivery(sink, path: str = "/inbox") -> Delivery:
    activity = publish(make_actor(), NOTE, recipients=[sink.url(path)])
    return activity.deliveries.get()


def make_due(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def attempt(delivery: Delivery) -> Delivery:
    make_due(delivery)
    deliver(delivery.pk)
    delivery.refresh_from_db()
    return delivery


@pytest.mark.django_db
def test_delivered_with_a_valid_signature(sink, private_ok):
    delivery = one_delivery(sink)
    assert deliver(delivery.pk, delivery.next_attempt_at.isoformat()) == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.last_status_code == 202
    assert delivery.first_attempt_at and delivery.last_attempt_at and delivery.last_error == ""
    [request] = sink.received
    headers = dict(request.headers)
    assert request.path == "/inbox" and headers["Content-Type"] == "application/activity+json"
    assert headers["User-Agent"].startswith("WeerbaarNL/")
    assert json.loads(request.body) == delivery.activity.payload
    actor = delivery.activity.actor
    signed = verify_request("POST", sink.url(), request.headers, request.body, actor.keys.get(kind="rsa").public_pem)
    assert signed.key_id == f"{actor.uri}#main-key"
    assert {"(request-target)", "host", "date", "digest", "content-type"} <= set(signed.covered)
    assert Peer.objects.get(domain=sink.host).last_success_at is not None
    # A second trigger of the same task does nothing: the row is no longer pending.
    assert deliver(delivery.pk, delivery.next_attempt_at.isoformat()) == "skipped"
    assert len(sink.received) == 1


@pytest.mark.django_db
def test_not_due_or_wrong_lease_is_skipped(sink, private_ok):
    delivery = one_delivery(sink)
    assert deliver(delivery.pk) == "skipped"
    assert deliver(delivery.pk, (delivery.next_attempt_at - timedelta(seconds=1)).isoformat()) == "skipped"
    assert sink.received == [] and Delivery.objects.get().attempts == 0


@pytest.mark.django_db
def test_server_error_is_retried_with_backoff_then_delivered(sink, private_ok):
    sink.script = [(500, {})]
    delivery = attempt(one_delivery(sink))
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status_code == 500
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=22) <= wait <= timedelta(seconds=38)  # 30 s ± 25 %
    assert Peer.objects.get(domain=sink.host).first_failure_at is not None
    delivery = attempt(delivery)
    assert delivery.status == "delivered" and delivery.attempts == 2 and len(sink.received) == 2
    peer = Peer.objects.get(domain=sink.host)
    assert peer.first_failure_at is None and peer.last_success_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("status", [408, 502, 503, 302])
def test_retryable_statuses(sink, private_ok, status):
    sink.script = [(status, {"Location": "http://127.0.0.1:1/elsewhere"})]
    delivery = attempt(one_delivery(sink))
    assert delivery.status == "pending" and delivery.last_status_code == status
    assert delivery.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_too_many_requests_honours_retry_after_seconds(sink, private_ok):
    sink.script = [(429, {"Retry-After": "600"})]
    delivery = attempt(one_delivery(sink))
    assert delivery.status == "pending" and delivery.last_status_code == 429
    assert abs((delivery.next_attempt_at - delivery.last_attempt_at) - timedelta(seconds=600)) < timedelta(seconds=5)


@pytest.mark.django_db
def test_unavailable_honours_retry_after_http_date_and_time_scale(sink, private_ok):
    private_ok.FEDERATION_DELIVERY_TIME_SCALE = 0.5
    sink.script = [(503, {"Retry-After": format_datetime(timezone.now() + timedelta(hours=2), usegmt=True)})]
    delivery = attempt(one_delivery(sink))
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(minutes=58) <= wait <= timedelta(minutes=61)  # 2 h × 0.5


@pytest.mark.django_db
def test_unauthorized_is_retried_exactly_once(sink, private_ok):
    sink.default = (401, {})
    delivery = attempt(one_delivery(sink))
    assert delivery.status == "pending" and delivery.retried_unauthorized
    delivery = attempt(delivery)
    assert delivery.status == "dropped" and delivery.attempts == 2 and "401" in delivery.last_error
    assert deliver(delivery.pk) == "skipped"
    assert len(sink.received) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("status", [400, 403, 404, 410, 422])
def test_other_client_errors_are_dropped(sink, private_ok, status):
    sink.default = (status, {})
    delivery = attempt(one_delivery(sink))
    assert delivery.status == "dropped" and delivery.last_status_code == status and len(sink.received) == 1
    # The host answered: that is no failure of the host.
    assert Peer.objects.get(domain=sink.host).first_failure_at is None


@pytest.mark.django_db
def test_connection_refused_is_retried(private_ok):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    activity = publish(make_actor(), NOTE, recipients=[f"http://127.0.0.1:{port}/inbox"])
    delivery = attempt(activity.deliveries.get())
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert "ConnectionFailed" in delivery.last_error
    assert Peer.objects.get(domain=f"127.0.0.1:{port}").first_failure_at is not None


@pytest.mark.django_db
def test_gives_up_72_hours_after_the_first_attempt(sink, private_ok):
    sink.default = (500, {})
    delivery = one_delivery(sink)
    Delivery.objects.filter(pk=delivery.pk).update(first_attempt_at=timezone.now() - timedelta(hours=71))
    delivery = attempt(delivery)
    assert delivery.status == "pending"
    # The last retry is scheduled no later than the end of the window.
    assert delivery.next_attempt_at <= delivery.first_attempt_at + timedelta(hours=72)
    Delivery.objects.filter(pk=delivery.pk).update(first_attempt_at=timezone.now() - timedelta(hours=72, seconds=1))
    delivery = attempt(delivery)
    assert delivery.status == "dropped" and "gave up" in delivery.last_error and delivery.attempts == 2


@pytest.mark.django_db
def test_give_up_window_follows_the_time_scale(sink, private_ok):
    private_ok.FEDERATION_DELIVERY_TIME_SCALE = 0.001  # 72 h → 259.2 s
    sink.default = (500, {})
    delivery = one_delivery(sink)
    Delivery.objects.filter(pk=delivery.pk).update(first_attempt_at=timezone.now() - timedelta(seconds=200))
    assert attempt(delivery).status == "pending"
    Delivery.objects.filter(pk=delivery.pk).update(first_attempt_at=timezone.now() - timedelta(seconds=260))
    assert attempt(delivery).status == "dropped"


@pytest.mark.django_db
def test_private_address_is_dropped_when_not_allowed(sink, settings):
    settings.FEDERATION_ALLOW_PRIVATE = False
    delivery = attempt(one_delivery(sink))
    assert delivery.status == "dropped" and "can never be delivered" in delivery.last_error
    assert sink.received == []
    assert not Peer.objects.filter(domain=sink.host, first_failure_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_name_resolving_to_loopback_is_refused_at_connect_time(sink, settings, monkeypatch):
    settings.FEDERATION_ALLOW_PRIVATE = False
    real = socket.getaddrinfo

    def fake_dns(host, *args, **kwargs):  # the outside world's DNS, pointing at us
        return real("127.0.0.1", *args, **kwargs) if host == "inbox.example" else real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    activity = publish(make_actor(), NOTE, recipients=[f"https://inbox.example:{sink.port}/inbox"])
    delivery = attempt(activity.deliveries.get())
    assert delivery.status == "dropped" and "127.0.0.1" in delivery.last_error
    assert sink.received == []


@pytest.mark.django_db
def test_a_domain_blocked_after_publishing_is_dropped_without_sending(sink, private_ok):
    delivery = one_delivery(sink)
    Peer.objects.create(domain=sink.host, blocked=True)
    delivery = attempt(delivery)
    assert delivery.status == "dropped" and "policy" in delivery.last_error and sink.received == []
