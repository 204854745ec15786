"""Recipients publish() could not map to an inbox: fetch their actor documents (in the worker,
never in the publishing request) and add Delivery rows for them.

The fetched document only yields an inbox here; caching the actor (RemoteActor) is the job of
the code that handles remote actors. Signed GETs use the instance actor's key, so servers in
authorized-fetch mode answer.
"""

from __future__ import annotations

import logging
from django.db import transaction

from .. import fetching
from ..keys import instance_signer
from ..models import Activity
from ..policy import domain_of, may_federate
from .publishing import add_deliveries
from .recipients import MAX_RESOLVE, is_local

logger = logging.getLogger(__name__)


def inbox_of(document: dict) -> str:
    """The inbox to deliver to according to an actor document: its shared inbox if it has one."""
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    for candidate in (shared, document.get("inbox")):
        if isinstance(candidate, str) and domain_of(candidate):
            return candidate
    return ""


def resolve_recipients(activity_id: int, uris: list[str]) -> int:
    """Fetch each actor URI, find its inbox, add the deliveries. Returns rows enqueued."""
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return 0
    signer = instance_signer()
    budget = fetching.FetchBudget(max_fetches=2 * MAX_RESOLVE)
    inboxes: dict[str, str] = {}
    for uri in list(dict.fromkeys(uris))[:MAX_RESOLVE]:
        if not may_federate(domain_of(uri)):
            continue
        try:
            document = fetching.fetch_document(uri, signer=signer, budget=budget)
        except fetching.FetchError as exc:
            logger.warning("cannot deliver %s to %s: fetching the recipient failed: %s", activity.uri, uri, exc)
            continue
        inbox = inbox_of(document)
        host = domain_of(inbox)
        if not inbox:
            logger.warning("cannot deliver %s to %s: the document names no inbox", activity.uri, uri)
        elif not is_local(host) and may_federate(host):
            inboxes.setdefault(inbox, host)
    with transaction.atomic():
        return add_deliveries(activity, inboxes)
