"""Which inboxes an outgoing activity goes to.

* Accepted followers of the actor → the delivery inbox of their cached RemoteActor (the shared
  inbox when they have one), deduplicated.
* Explicit recipients: a URI whose path ends in ``/inbox`` is taken as an inbox; any other URI
  as an actor, looked up in RemoteActor. Actors not cached yet are returned as `unknown`: they
  are fetched later by the ``federation.resolve_and_deliver`` task (never in the caller's request).
  The public collection is ignored; the actor's own followers collection means "followers".
* Skipped: local URIs (our WEERBAAR_DOMAIN; local recipients need no HTTP delivery — local
  inbox processing is not wired here), deleted remote actors, URIs that are not absolute
  http(s), and domains the instance policy refuses (blocked, or not allowed in allow-list mode):
  for those no Delivery row is created at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable
from urllib.parse import urlsplit

from django.conf import settings

from ..models import Actor, Follow, Peer, RemoteActor
from ..policy import domain_of, may_federate

logger = logging.getLogger(__name__)

# At most this many uncached recipients of one activity are fetched (by the worker).
MAX_RESOLVE = 100

PUBLIC = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})


@dataclass
class Targets:
    """Inboxes (URL → host, in a stable order) and actor URIs that still need resolving."""

    inboxes: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


class _Policy:
    """may_federate per domain, asked once per domain for one fan-out."""

    def __init__(self):
        self._seen: dict[str, bool] = {}

    def allows(self, domain: str) -> bool:
        if domain not in self._seen:
            self._seen[domain] = bool(domain) and may_federate(domain)
        return self._seen[domain]


def is_local(domain: str) -> bool:
    return domain == settings.WEERBAAR_DOMAIN


def is_inbox_uri(uri: str) -> bool:
    return urlsplit(uri).path.endswith("/inbox")


def accepted_followers(actor: Actor):
    """Follow rows of remote actors whose follow of `actor` is accepted."""
    return Follow.objects.filter(followee=actor, state=Follow.State.ACCEPTED, follower__isnull=True)


def collect(actor: Actor, recipients: Iterable[str] = (), to_followers: bool = False) -> Targets:
    """The target inboxes of an activity by `actor`, after instance policy."""
    policy = _Policy()
    targets = Targets()
    explicit: dict[str, None] = {}
    followers_collection = f"{actor.uri}/followers"
    if isinstance(recipients, str):
        recipients = [recipients]
    for uri in recipients:
        if not isinstance(uri, str) or uri in PUBLIC:
            continue
        if uri == followers_collection:
            to_followers = True
            continue
        domain = domain_of(uri)
        if not domain:
            logger.info("not delivering to %r: not an absolute http(s) URI", uri[:200])
        elif is_local(domain):
            logger.debug("not delivering to local recipient %s", uri)
        elif not policy.allows(domain):
            logger.info("not delivering to %s: domain refused by instance policy", uri)
        elif is_inbox_uri(uri):
            targets.inboxes.setdefault(uri, domain)
        else:
            explicit[uri] = None
    wanted = dict(explicit)
    lookups = [RemoteActor.objects.filter(uri__in=chunk) for chunk in _chunks(list(explicit), 500)]
    if to_followers:
        followers = accepted_followers(actor)
        wanted.update((uri, None) for uri in followers.values_list("follower_uri", flat=True))
        lookups.append(RemoteActor.objects.filter(uri__in=followers.values("follower_uri")))
    found: set[str] = set()
    for query in lookups:
        rows = query.values_list("uri", "inbox", "shared_inbox", "deleted_at").order_by("pk")
        for uri, inbox, shared_inbox, deleted_at in rows.iterator(chunk_size=2000):
            found.add(uri)
            target = shared_inbox or inbox
            if deleted_at is not None or not target or not policy.allows(domain_of(uri)):
                continue
            host = domain_of(target)
            if host and not is_local(host) and policy.allows(host):
                targets.inboxes.setdefault(target, host)
    for uri in wanted:
        domain = domain_of(uri)
        if uri not in found and domain and not is_local(domain) and policy.allows(domain):
            targets.unknown.append(uri)
            logger.info("recipient %s is not cached yet; the worker will fetch it", uri)
    return targets


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def unavailable_hosts(hosts: Iterable[str]) -> set[str]:
    """Which of these hosts the circuit breaker has marked unavailable."""
    return set(
        Peer.objects.filter(domain__in=list(set(hosts)), state=Peer.State.UNAVAILABLE)
        .values_list("domain", flat=True)
    )
