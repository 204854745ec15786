"""Outgoing e-mail: stored first, sent by the background worker, retried from the table."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from server.mail import MAX_ATTEMPTS, backoff, deliver, due_email_ids, queue_email
from server.models import OutboundEmail
from tests.conftest import wait_for


class BrokenBackend:
    """An SMTP server that is down: stands in for the outside world."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


@pytest.mark.django_db
def test_deliver_sends_and_marks_sent():
    email = OutboundEmail.objects.create(to="a@example.org", subject="Hallo", body="Tekst", next_attempt_at=timezone.now())
    assert deliver(email.pk) == "sent"
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 1 and email.sent_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.org"]
    # A second trigger (at-least-once delivery of the task) sends nothing more.
    assert deliver(email.pk) == "gone"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_failure_keeps_the_row_and_schedules_a_retry(settings):
    settings.EMAIL_BACKEND = "tests.server.test_mail.BrokenBackend"
    email = OutboundEmail.objects.create(to="a@example.org", subject="s", body="b", next_attempt_at=timezone.now())
    assert deliver(email.pk) == "pending"
    email.refresh_from_db()
    assert email.attempts == 1
    assert "smtp down" in email.last_error
    assert email.next_attempt_at > timezone.now()
    assert email.pk not in due_email_ids()
    # Not due yet: a stray trigger does not send early.
    assert deliver(email.pk) == "later"


@pytest.mark.django_db
def test_gives_up_after_max_attempts(settings):
    settings.EMAIL_BACKEND = "tests.server.test_mail.BrokenBackend"
    email = OutboundEmail.objects.create(
        to="a@example.org", subject="s", body="b", next_attempt_at=timezone.now(), attempts=MAX_ATTEMPTS - 1
    )
    assert deliver(email.pk) == "failed"


def test_backoff_grows_and_is_capped():
    assert backoff(1) == timedelta(minutes=1)
    assert backoff(2) == timedelta(minutes=4)
    assert backoff(3) == timedelta(minutes=16)
    assert backoff(20) == timedelta(hours=12)


@pytest.mark.django_db
def test_queue_email_triggers_on_commit_only(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = queue_email("b@example.org", "Onderwerp\nmet regel", "Tekst")
    assert len(callbacks) == 1
    email.refresh_from_db()
    assert email.status == "pending"
    assert email.subject == "Onderwerp met regel"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_background_worker_sends_queued_email(background_worker):
    email = queue_email("c@example.org", "Via de worker", "Verstuurd door de achtergrondverwerker")
    wait_for(
        lambda: OutboundEmail.objects.get(pk=email.pk).status == "sent",
        message=f"the {background_worker} worker to send the e-mail",
    )
    assert OutboundEmail.objects.get(pk=email.pk).attempts == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_periodic_retry_picks_up_a_lost_trigger(background_worker):
    from server.tasks import retry_due_email

    # A row whose trigger was lost (e.g. the broker restarted): only the table knows about it.
    email = OutboundEmail.objects.create(to="d@example.org", subject="s", body="b", next_attempt_at=timezone.now())
    retry_due_email.delay()
    wait_for(lambda: OutboundEmail.objects.get(pk=email.pk).status == "sent", message="the retry sweep")
