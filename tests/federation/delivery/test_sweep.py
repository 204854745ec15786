"""The sweeper and concurrent workers: rows are claimed once, leases protect against double sends.

On PostgreSQL the claimers race on real row locks (SELECT ... FOR UPDATE SKIP LOCKED). On SQLite
there are no row locks; each claim is an IMMEDIATE transaction that takes the database's write
lock at BEGIN, so claimers are serialised and the same assertions hold.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from federation.delivery import tasks
from federation.delivery.send import deliver
from federation.delivery.sweep import claim_due, sweep
from federation.models import Activity, Delivery

from .helpers import make_actor


def due_rows(count: int, inbox=lambda n: f"https://h{n % 5}.example/{n}/inbox") -> list[Delivery]:
    activity = Activity.objects.create(actor=make_actor(), type="Create", payload={"type": "Create"})
    past = timezone.now() - timedelta(seconds=1)
    rows = [Delivery(activity=activity, inbox=inbox(n), host=inbox(n).split("/")[2], next_attempt_at=past)
            for n in range(count)]
    Delivery.objects.bulk_create(rows)
    return list(Delivery.objects.order_by("pk"))


def run_together(target, count: int = 2) -> None:
    barrier = threading.Barrier(count)

    def body(i):
        try:
            barrier.wait()
            target(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)


@pytest.mark.django_db
def test_sweep_leases_due_rows_and_enqueues_each_once(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.deliver_one, "delay", lambda *a: sent.append(a))
    rows = due_rows(4)
    Delivery.objects.filter(pk=rows[0].pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    Delivery.objects.filter(pk=rows[1].pk).update(status="delivered")
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 2
    leased = {row.pk: row.next_attempt_at for row in Delivery.objects.filter(pk__in=[rows[2].pk, rows[3].pk])}
    assert sorted(sent) == sorted((pk, lease.isoformat()) for pk, lease in leased.items())
    assert all(lease > timezone.now() + timedelta(minutes=4) for lease in leased.values())
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 0  # leased rows are not handed out again


@pytest.mark.django_db
def test_a_lost_task_is_picked_up_when_its_lease_ends(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.deliver_one, "delay", lambda *a: sent.append(a))
    [row] = due_rows(1)
    Delivery.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))  # leased by publish
    assert sweep() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(timezone.now() + timedelta(minutes=5, seconds=1)) == 1
    assert [pk for pk, _ in sent] == [row.pk]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claimers_never_claim_the_same_row():
    rows = due_rows(300)
    claimed: list[list[int]] = [[], []]

    def claimer(i):
        while ids := claim_due(limit=7)[0]:
            claimed[i].extend(ids)

    run_together(claimer)
    first, second = claimed
    assert not set(first) & set(second)
    assert sorted(first + second) == [row.pk for row in rows]


@pytest.mark.django_db(transaction=True)
def test_two_workers_with_the_same_task_send_once(sink, private_ok):
    [row] = due_rows(1, inbox=lambda n: sink.url("/inbox"))
    lease = timezone.now() + timedelta(minutes=5)
    Delivery.objects.update(next_attempt_at=lease)
    results = [None, None]

    def worker(i):
        results[i] = deliver(row.pk, lease.isoformat())

    run_together(worker)
    assert sorted(results) == ["delivered", "skipped"]
    assert len(sink.received) == 1 and Delivery.objects.get().attempts == 1
