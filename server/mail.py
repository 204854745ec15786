"""Sending e-mail in the background: queue a row, send it from the worker, retry on failure."""

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from .models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def queue_email(to: str, subject: str, body: str, html_body: str = "") -> OutboundEmail:
    """Store the message and have the worker send it once the transaction commits."""
    from .tasks import send_email

    email = OutboundEmail.objects.create(
        to=to, subject=subject.strip().replace("\n", " ")[:300], body=body, html_body=html_body,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: send_email.delay(email.pk))
    return email


def backoff(attempts: int) -> timedelta:
    """1, 4, 16, 64 ... minutes, at most 12 hours."""
    return timedelta(minutes=min(12 * 60, 4 ** max(0, attempts - 1)))


def deliver(email_id: int) -> str:
    """Send one queued e-mail if it is due. Returns its status afterwards."""
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update()
            .filter(pk=email_id, status=OutboundEmail.Status.PENDING)
            .first()
        )
        if email is None:
            return "gone"
        if email.next_attempt_at > timezone.now():
            return "later"
        email.attempts += 1
        message = EmailMultiAlternatives(email.subject, email.body, to=[email.to])
        if email.html_body:
            message.attach_alternative(email.html_body, "text/html")
        try:
            message.send()
        except Exception as exc:  # SMTP and socket errors: keep the row, try again later
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
                logger.error("giving up on e-mail %s to %s: %s", email.pk, email.to, email.last_error)
            else:
                email.next_attempt_at = timezone.now() + backoff(email.attempts)
                logger.warning("e-mail %s to %s failed, retrying: %s", email.pk, email.to, email.last_error)
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
        email.save()
        return email.status


def due_email_ids(limit: int = 100) -> list[int]:
    return list(
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:limit]
    )
