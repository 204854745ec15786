"""Background tasks of the project package. Tasks take ids; rows hold the state."""

from celery import shared_task


@shared_task(name="server.send_email")
def send_email(email_id: int) -> str:
    from .mail import deliver

    return deliver(email_id)


@shared_task(name="server.retry_due_email")
def retry_due_email() -> int:
    """Periodic: enqueue every pending e-mail that is due (after failures or a lost trigger)."""
    from .mail import due_email_ids

    ids = due_email_ids()
    for email_id in ids:
        send_email.delay(email_id)
    return len(ids)


@shared_task(name="server.ping")
def ping() -> str:
    """Round trip through the broker and a worker; used by `weerbaarnl check` and tests."""
    return "pong"
