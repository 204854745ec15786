"""One signed POST to an inbox, through the SSRF-safe transport of federation.fetching.

federation.fetching exposes GET helpers only; this reuses its connect-time address guard and
watchdog (``_Guard``/``_GuardedAdapter``), so an inbox on a private or loopback address — also
one reached through DNS — is refused at connect time unless ``allow_private``.

A fan-out makes thousands of POSTs, so each worker thread keeps one adapter (building one costs
more than a loopback POST) and sends through it directly, without a requests Session (no cookies,
no environment, no redirects). Every POST still gets a fresh guard (deadline, address policy) and
a fresh connection: the adapter's guard is a proxy to the guard of the POST under way in the
thread, and connections are never reused (``Connection: close``, pools cleared afterwards).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import requests
import urllib3.exceptions

from ..fetching import FetchError, FetchTimeout, Limits, check_url
from ..fetching.transport import _Guard, _GuardedAdapter, request_error

# 10 s for the whole POST; the answer's body is read (and dropped) up to 64 KiB.
POST_LIMITS = Limits(connect_timeout=5.0, read_timeout=10.0, total_timeout=10.0, max_bytes=64 * 1024)


_local = threading.local()


class _CurrentGuard:
    """Stands in for the guard of the POST this thread is making."""

    def __getattr__(self, name: str):
        return getattr(_local.guard, name)


def _thread_adapter() -> _GuardedAdapter:
    if getattr(_local, "adapter", None) is None:
        _local.adapter = _GuardedAdapter(_CurrentGuard())
    return _local.adapter


@dataclass(frozen=True)
class PostResponse:
    status: int
    retry_after: str | None
    peer: tuple[str, int] | None  # the address actually connected to


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool = False,
         limits: Limits = POST_LIMITS) -> PostResponse:
    """POST `body` to `url` without following redirects. Raises a FetchError subclass when the
    URL or address is refused (BadUrl, SchemeNotAllowed, BlockedAddress) or the exchange fails
    (ConnectionFailed, FetchTimeout); any HTTP status is returned, not raised."""
    check_url(url, allow_private=allow_private)
    adapter = _thread_adapter()
    guard = _local.guard = _Guard(allow_private, limits)
    timeout = (limits.connect_timeout, limits.read_timeout)
    try:
        try:
            request = requests.PreparedRequest()
            request.prepare(method="POST", url=url, headers={**headers, "Connection": "close"}, data=body)
            response = adapter.send(request, stream=True, timeout=timeout, verify=True, proxies={})
        except (FetchError, requests.exceptions.RequestException) as exc:
            raise request_error(exc, guard, url, "POST") from None
        with response:
            _drain(response, limits.max_bytes)
            if guard.timed_out():
                raise FetchTimeout(f"POST to {url} exceeded {limits.total_timeout}s", url=url)
            peer = guard.peers[-1] if guard.peers else None
            return PostResponse(response.status_code, response.headers.get("Retry-After"), peer)
    finally:
        adapter.poolmanager.clear()  # no connection outlives its guard
        _local.guard = None
        guard.close()


def _drain(response: requests.Response, cap: int) -> None:
    """Read and drop the answer (up to `cap` bytes); a broken body does not change the status."""
    remaining = cap
    try:
        while remaining > 0:
            chunk = response.raw.read1(min(remaining, 65536), decode_content=False)
            if not chunk:
                return
            remaining -= len(chunk)
    except (urllib3.exceptions.HTTPError, OSError):
        return
