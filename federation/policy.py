"""Instance policy: which domains this node federates with.

Blocked domains are refused inbound and get nothing outbound. In allow-list mode only domains on
the allow-list federate. Our own domain always passes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from .models import FederationPolicy, Peer


class DomainRefused(Exception):
    """The domain may not federate with this node. `.domain` names it."""

    def __init__(self, domain: str, reason: str):
        super().__init__(f"{domain}: {reason}")
        self.domain = domain
        self.reason = reason


def domain_of(uri: str) -> str:
    """host[:port] of a URI, lower case ('' for anything that is not an absolute http(s) URI)."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    try:
        port = parts.port
    except ValueError:
        return ""
    default = 443 if parts.scheme == "https" else 80
    return parts.hostname.lower() if port in (None, default) else f"{parts.hostname.lower()}:{port}"


def _candidates(domain: str) -> list[str]:
    """The domain, its host without port, and every parent domain: a block on example.org
    covers social.example.org too."""
    host = domain.split(":", 1)[0] if not domain.startswith("[") else domain
    labels = host.split(".")
    parents = [".".join(labels[i:]) for i in range(1, max(1, len(labels) - 1))]
    return list(dict.fromkeys([domain, host, *parents]))


def check_domain(domain: str) -> None:
    """Raise DomainRefused unless `domain` may federate with us."""
    if not domain:
        raise DomainRefused(domain or "(none)", "not an http(s) origin")
    if domain == settings.WEERBAAR_DOMAIN:
        return
    peers = list(Peer.objects.filter(domain__in=_candidates(domain)).values("domain", "blocked", "allowed"))
    if any(p["blocked"] for p in peers):
        raise DomainRefused(domain, "blocked by this node")
    if FederationPolicy.current().mode == FederationPolicy.Mode.ALLOWLIST and not any(p["allowed"] for p in peers):
        raise DomainRefused(domain, "not on this node's allow-list")


def check_uri(uri: str) -> None:
    check_domain(domain_of(uri))


def may_federate(domain: str) -> bool:
    try:
        check_domain(domain)
    except DomainRefused:
        return False
    return True
