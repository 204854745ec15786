"""What both signature schemes share: header access, time checks, the request target, the result."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urlsplit

from .errors import DateOutOfWindow, ExpiredSignature, MalformedSignature

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
"""Request headers: a mapping (dict, Django's `request.headers`, requests' `CaseInsensitiveDict`)
or (name, value) pairs, which may repeat a name."""

DEFAULT_WINDOW = 3600.0
"""Seconds a signed Date or `created` time may lie before or after now."""

_OBS_FOLD = re.compile(r"\s*\r?\n\s+")


class Scheme(StrEnum):
    """The HTTP signature scheme of a request."""

    CAVAGE = "draft-cavage-http-signatures-12"
    RFC9421 = "rfc9421"


@dataclass(frozen=True)
class VerifiedSignature:
    """What a successful verification established.

    `covered` lists the signed header names (cavage, lower-cased, pseudo-headers included) or the
    serialized component identifiers (RFC 9421). `created` is the signature's `created` time or,
    failing that, the signed Date header.
    """

    scheme: Scheme
    key_id: str
    algorithm: str
    covered: tuple[str, ...]
    created: datetime | None
    expires: datetime | None = None
    label: str | None = None


class HeaderFields:
    """Request header fields by lower-cased name.

    A field sent several times is combined the way RFC 9110 §5.3 and RFC 9421 §2.1 prescribe:
    each value trimmed, obsolete line folding replaced by a space, joined with ", ".
    """

    def __init__(self, headers: Headers) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in header_pairs(headers):
            self._values.setdefault(name.lower(), []).append(_OBS_FOLD.sub(" ", str(value)).strip())

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._values

    def get(self, name: str) -> str | None:
        """The combined value of `name`, or None when the request does not have it."""
        values = self._values.get(name.lower())
        return None if values is None else ", ".join(values)


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """`headers` as a list of (name, value) pairs."""
    return list(headers.items() if isinstance(headers, Mapping) else headers)


def with_overrides(headers: Headers, overrides: Mapping[str, str]) -> HeaderFields:
    """`headers` with the fields in `overrides` replaced (or added): what the peer will receive."""
    replaced = {name.lower() for name in overrides}
    kept = [(name, value) for name, value in header_pairs(headers) if name.lower() not in replaced]
    return HeaderFields(kept + list(overrides.items()))


def utc_now(now: datetime | None) -> datetime:
    """`now` (which must be timezone-aware), or the current time, in UTC."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    return now.astimezone(UTC)


def http_date(moment: datetime) -> str:
    """IMF-fixdate, e.g. "Tue, 20 Apr 2021 02:07:55 GMT"."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def parse_http_date(value: str) -> datetime:
    """Parse an HTTP Date header; raises `MalformedSignature` when it is not a date."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise MalformedSignature(f"unreadable Date header {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_timestamp(value: int) -> datetime:
    """A UNIX timestamp (a signature's `created` or `expires`) as an aware datetime."""
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedSignature(f"timestamp out of range: {value}") from exc


def check_freshness(what: str, moment: datetime, now: datetime, window: float) -> None:
    """Raise `DateOutOfWindow` when `moment` lies more than `window` seconds from `now`."""
    skew = (moment - now).total_seconds()
    if skew > window:
        raise DateOutOfWindow(f"{what} {moment.isoformat()} is {skew:.0f}s in the future")
    if -skew > window:
        raise DateOutOfWindow(f"{what} {moment.isoformat()} is {-skew:.0f}s old (window {window:.0f}s)")


def check_expiry(expires: datetime | None, now: datetime) -> None:
    """Raise `ExpiredSignature` when `expires` has passed."""
    if expires is not None and now > expires:
        raise ExpiredSignature(f"signature expired at {expires.isoformat()}")


def request_target(url: str) -> str:
    """The origin-form request target of `url`: path (at least "/") and "?query" if any."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def authority(url: str) -> str:
    """The lower-cased host[:port] of an absolute URL, without userinfo or the scheme's default port."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise ValueError(f"an absolute URL is required, got {url!r}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host if parts.port in (None, default) else f"{host}:{parts.port}"
