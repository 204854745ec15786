"""Background tasks of the inbox. Tasks take ids; the InboxItem rows hold the state."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="federation.process_inbox_item")
def process_inbox_item(item_id: int) -> str:
    """Verify (if held) and process one inbox item."""
    from .process import process_item

    return process_item(item_id)


@shared_task(name="federation.sweep_inbox")
def sweep_inbox() -> int:
    """Periodic: drop held items older than a day; enqueue every item that is due (new, retrying,
    or whose worker lease ran out)."""
    from .process import due_item_ids, expire_held

    expire_held()
    ids = due_item_ids()
    for item_id in ids:
        process_inbox_item.delay(item_id)
    return len(ids)


@shared_task(name="federation.refresh_remote_key")
def refresh_remote_key(actor_uri: str) -> str:
    """Fetch a remote actor again after a signature by its cached key failed."""
    from ..fetching import FetchError
    from .remote import KeyUnavailable, NotAnActor, refresh_actor

    try:
        refresh_actor(actor_uri)
    except (FetchError, KeyUnavailable, NotAnActor) as exc:
        logger.info("could not refresh the key of %s: %s", actor_uri, exc)
        return "failed"
    return "refreshed"

__all__ = ["process_inbox_item", "refresh_remote_key", "sweep_inbox"]
