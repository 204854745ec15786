"""Which addresses the node may connect to, and the URL check done before any traffic."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from .errors import BadUrl, BlockedAddress, SchemeNotAllowed

MAX_URL_LENGTH = 4096
_net = ipaddress.ip_network
# Never connected to, not even with allow_private: "this network", link-local (cloud metadata
# 169.254.169.254, fd00:ec2::254), multicast, broadcast/240/4, unspecified, site-local.
_ALWAYS_BLOCKED = [
    _net("0.0.0.0/8"), _net("169.254.0.0/16"), _net("224.0.0.0/4"), _net("240.0.0.0/4"),
    _net("::/128"), _net("fe80::/10"), _net("fec0::/10"), _net("ff00::/8"), _net("fd00:ec2::254/128"),
]
# Not public although some Python versions' is_global says otherwise.
_NOT_PUBLIC = [
    _net("10.0.0.0/8"), _net("100.64.0.0/10"), _net("127.0.0.0/8"), _net("172.16.0.0/12"),
    _net("192.0.0.0/24"), _net("192.0.2.0/24"), _net("192.88.99.0/24"), _net("192.168.0.0/16"),
    _net("198.18.0.0/15"), _net("198.51.100.0/24"), _net("203.0.113.0/24"),
    _net("::/96"), _net("::1/128"), _net("64:ff9b:1::/48"), _net("100::/64"), _net("2001::/23"),
    _net("2001:db8::/32"), _net("3fff::/20"), _net("fc00::/7"),
]
_NAT64 = _net("64:ff9b::/96")


def blocked_reason(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool) -> str | None:
    """Why the node must not connect to ``address``, or None when it may."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if ip.version == 6:
        ip = ipaddress.IPv6Address(int(ip))  # drop any %scope
        if ip.ipv4_mapped is not None:
            inner = blocked_reason(ip.ipv4_mapped, allow_private)
            return inner and f"IPv4-mapped {inner}"
        if ip in _NAT64:
            inner = blocked_reason(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), allow_private)
            return inner and f"NAT64-embedded {inner}"
        for kind, inner_ip in (("6to4", ip.sixtofour), ("Teredo", ip.teredo and ip.teredo[1])):
            if inner_ip is not None and (inner := blocked_reason(inner_ip, allow_private)):
                return f"{kind}-embedded {inner}"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_link_local:
        return "link-local address"
    if any(ip in net for net in _ALWAYS_BLOCKED):
        return "reserved address"
    if allow_private:
        return None
    if ip.is_loopback:
        return "loopback address"
    if ip.is_private or any(ip in net for net in _NOT_PUBLIC):
        return "private or special-purpose address"
    if ip.is_reserved or not ip.is_global:
        return "reserved or non-global address"
    return None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host string denotes by itself, including legacy forms like 2130706433."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefx." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_url(url: str, *, allow_private: bool = False) -> str:
    """Check a URL before any network traffic; return its scheme. Raises BadUrl,
    SchemeNotAllowed or BlockedAddress. (Names are checked again, resolved, at connect time.)"""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise BadUrl("URL is empty, not a string or too long", url=str(url)[:200])
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise BadUrl("URL contains whitespace or control characters", url=url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise BadUrl(f"malformed URL: {exc}", url=url) from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_private else ("https",)
    if scheme not in allowed:
        raise SchemeNotAllowed(
            f"scheme {scheme or '(none)'!r} not allowed; only {' or '.join(allowed)}", url=url
        )
    if "@" in parts.netloc:
        raise BadUrl("credentials in URLs are not allowed", url=url)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BadUrl("URL has no host", url=url)
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise BlockedAddress(f"host {host!r} is loopback; refused", url=url)
    literal = _ip_literal(host)
    if literal is not None and (reason := blocked_reason(literal, allow_private)):
        raise BlockedAddress(f"host {host!r} is {literal} ({reason}); refused", url=url)
    return scheme
