"""The fetch itself: redirects, status, content type, size, JSON and id checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
import urllib3.exceptions

from .addresses import check_url
from .errors import (
    BadContentType, BadJson, ConnectionFailed, FetchError, FetchTimeout, HttpError,
    IdMismatch, TooLarge, TooManyRedirects,
)
from .jsonsafe import parse_json
from .policy import DEFAULT_LIMITS, FetchBudget, Limits
from .transport import _Guard, _GuardedAdapter, request_error

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
AS_ACCEPT = f'application/activity+json, application/ld+json; profile="{AS_PROFILE}"'
JSON_ACCEPT = "application/jrd+json, application/json"
MAX_REDIRECTS = 1
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Signer = Callable[[str, str, Mapping[str, str]], Mapping[str, str]]


@dataclass(frozen=True)
class FetchResult:
    url: str  # the URL finally fetched (after the redirect, if any), without fragment
    status: int
    content_type: str
    body: bytes
    data: Any  # the parsed, checked JSON
    peer: tuple[str, int] | None  # the address actually connected to
    redirected_from: str | None = None


def _media_types(accept: str) -> set[str]:
    return {part.split(";", 1)[0].strip().lower() for part in accept.split(",") if part.strip()}


def _content_type_ok(content_type: str, wanted: set[str], activitystreams: bool) -> bool:
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media not in wanted:
        return False
    if activitystreams and media == "application/ld+json":
        for param in params.split(";"):
            key, _, val = param.partition("=")
            if key.strip().lower() == "profile":
                return AS_PROFILE in val.strip().strip('"').split()
    return True


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port if parts.port != {"https": 443, "http": 80}.get(scheme) else None
    return scheme, (parts.hostname or "").lower().rstrip("."), port


def _normalized(url: str) -> str:
    parts = urlsplit(urldefrag(url)[0])
    scheme, host, port = _origin(url)
    authority = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    return f"{scheme}://{authority}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def check_id(document: Any, final_url: str) -> None:
    """The document's id must be on the origin of, and equal to, the URL finally fetched
    (fragments ignored). Raises IdMismatch."""
    doc_id = document.get("id") if isinstance(document, dict) else None
    if not isinstance(doc_id, str) or not doc_id:
        raise IdMismatch("document has no id", url=final_url)
    try:
        if "@" in urlsplit(doc_id).netloc:
            raise IdMismatch(f"document id {doc_id!r} contains credentials", url=final_url)
        same_origin = _origin(doc_id) == _origin(final_url)
        same = same_origin and _normalized(doc_id) == _normalized(final_url)
    except ValueError:
        raise IdMismatch(f"document id {doc_id!r} is not a valid URL", url=final_url) from None
    if not same_origin:
        raise IdMismatch(f"document id {doc_id!r} is not on the origin of {final_url!r}", url=final_url)
    if not same:
        raise IdMismatch(f"document id {doc_id!r} is not the fetched URL {final_url!r}", url=final_url)


def _read_body(response: requests.Response, guard: _Guard, url: str) -> bytes:
    limits = guard.limits
    length = response.headers.get("Content-Length")
    if length is not None:
        try:
            declared = int(length)
        except ValueError:
            raise ConnectionFailed(f"invalid Content-Length {length!r}", url=url) from None
        if declared > limits.max_bytes:
            raise TooLarge(f"Content-Length {declared} exceeds the {limits.max_bytes}-byte cap", url=url)
    body = bytearray()
    while True:
        if guard.timed_out():
            raise FetchTimeout(f"total deadline of {limits.total_timeout}s exceeded while reading", url=url)
        try:
            chunk = response.raw.read1(65536, decode_content=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if guard.timed_out():
                raise FetchTimeout(f"total deadline of {limits.total_timeout}s exceeded while reading", url=url) from None
            if isinstance(exc, (urllib3.exceptions.ReadTimeoutError, TimeoutError)):
                raise FetchTimeout(f"read timed out after {limits.read_timeout}s", url=url) from None
            raise ConnectionFailed(f"connection broke while reading the body: {exc}", url=url) from None
        if not chunk:
            break
        body += chunk
        if len(body) > limits.max_bytes:
            raise TooLarge(f"body exceeds the {limits.max_bytes}-byte cap", url=url)
    if guard.timed_out():  # a shut-down socket looks like EOF for read-until-close bodies
        raise FetchTimeout(f"total deadline of {limits.total_timeout}s exceeded while reading", url=url)
    return bytes(body)


def _fetch(url, *, accept, activitystreams, user_agent, allow_private, signer, budget, limits, verify) -> FetchResult:
    if verify is False:
        raise ValueError("TLS verification cannot be turned off; pass True or a CA bundle path")
    guard = _Guard(allow_private, limits)
    session = requests.Session()
    session.trust_env = False  # no proxies, netrc or CA bundle from the environment
    session.mount("http://", _GuardedAdapter(guard))
    session.mount("https://", _GuardedAdapter(guard))
    wanted = _media_types(accept)
    original, redirected_from = url, None
    try:
        for hop in range(MAX_REDIRECTS + 1):
            check_url(url, allow_private=allow_private)
            url = urldefrag(url)[0]
            if budget is not None:
                budget.spend(url)
            headers = {"Accept": accept, "User-Agent": user_agent, "Accept-Encoding": "identity"}
            if signer is not None:
                headers.update(signer("GET", url, dict(headers)) or {})
            remaining = guard.remaining()
            if remaining <= 0:
                raise FetchTimeout(f"total deadline of {limits.total_timeout}s exceeded", url=url)
            timeout = (min(limits.connect_timeout, remaining), min(limits.read_timeout, remaining))
            try:
                response = session.get(url, headers=headers, allow_redirects=False, stream=True,
                                       timeout=timeout, verify=verify)
            except (FetchError, requests.exceptions.RequestException) as exc:
                raise request_error(exc, guard, url, "request") from None
            with response:
                if guard.timed_out():  # a shut-down socket can look like the end of the headers
                    raise FetchTimeout(f"total deadline of {limits.total_timeout}s exceeded", url=url)
                status = response.status_code
                if status in REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if hop >= MAX_REDIRECTS:
                        raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirect (from {original})", url=url)
                    if not location:
                        raise TooManyRedirects(f"redirect {status} without Location", url=url)
                    redirected_from, url = url, urljoin(url, location.strip())
                    continue
                if status != 200:
                    raise HttpError(f"{url} answered HTTP {status}", status=status, url=url)
                content_type = response.headers.get("Content-Type", "")
                if not _content_type_ok(content_type, wanted, activitystreams):
                    raise BadContentType(f"content type {content_type or '(none)'!r} not accepted; "
                                         f"wanted {accept}", url=url)
                encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
                if encoding not in ("", "identity"):
                    raise BadContentType(f"content encoding {encoding!r} not accepted", url=url)
                body = _read_body(response, guard, url)
            try:
                data = parse_json(body, max_depth=limits.max_depth, max_items=limits.max_items)
            except BadJson as exc:
                exc.url = url
                raise
            if activitystreams:
                if not isinstance(data, dict):
                    raise BadJson("an ActivityStreams document must be a JSON object", url=url)
                check_id(data, url)
            peer = guard.peers[-1] if guard.peers else None
            return FetchResult(url, status, content_type, body, data, peer, redirected_from)
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        session.close()
        guard.close()


def fetch_object(url: str, *, user_agent: str, allow_private: bool = False, signer: Signer | None = None,
                 budget: FetchBudget | None = None, limits: Limits = DEFAULT_LIMITS,
                 verify: bool | str = True) -> FetchResult:
    """Fetch an ActivityStreams document (content type activity+json or AS ld+json) whose id is
    the URL finally fetched. ``result.data`` is the document (a dict)."""
    return _fetch(url, accept=AS_ACCEPT, activitystreams=True, user_agent=user_agent,
                  allow_private=allow_private, signer=signer, budget=budget, limits=limits, verify=verify)


def fetch_json(url: str, *, user_agent: str, accept: str = JSON_ACCEPT, allow_private: bool = False,
               signer: Signer | None = None, budget: FetchBudget | None = None,
               limits: Limits = DEFAULT_LIMITS, verify: bool | str = True) -> FetchResult:
    """Fetch a plain JSON document (WebFinger, NodeInfo) with the same safety; the response
    must have one of the media types in ``accept``. No id check."""
    return _fetch(url, accept=accept, activitystreams=False, user_agent=user_agent,
                  allow_private=allow_private, signer=signer, budget=budget, limits=limits, verify=verify)


def user_agent(version: str, node_url: str) -> str:
    return f"WeerbaarNL/{version} (+{node_url})"


def _node_options() -> dict:
    from django.conf import settings

    return {"user_agent": user_agent(settings.WEERBAAR_VERSION, settings.WEERBAAR_URL),
            "allow_private": bool(getattr(settings, "FEDERATION_ALLOW_PRIVATE", False))}


def fetch_document(url: str, *, signer: Signer | None = None, budget: FetchBudget | None = None) -> dict:
    """The node's way to fetch an ActivityPub object: fetch_object with this node's settings."""
    return fetch_object(url, signer=signer, budget=budget, **_node_options()).data


def fetch_node_json(url: str, *, accept: str = JSON_ACCEPT, signer: Signer | None = None,
                    budget: FetchBudget | None = None) -> Any:
    """The node's way to fetch WebFinger/NodeInfo JSON: fetch_json with this node's settings."""
    return fetch_json(url, accept=accept, signer=signer, budget=budget, **_node_options()).data
