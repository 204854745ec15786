"""requests/urllib3 plumbing that connects only to vetted addresses, under a total deadline.

The check sits in urllib3 2.x's HTTPConnection._new_conn: the host is resolved there, every
address is checked, and the socket is connected to a vetted address. urllib3 keeps the original
host name for the Host header, TLS SNI and certificate verification. A watchdog timer shuts the
sockets down when the fetch's total deadline passes, whatever phase the fetch is in.
"""

from __future__ import annotations

import socket
import threading
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .addresses import blocked_reason
from .errors import BadUrl, BlockedAddress, ConnectionFailed, FetchError, FetchTimeout
from .policy import Limits


class _Guard:
    """Per-fetch state: address policy, deadline, and the sockets the watchdog may shut down."""

    def __init__(self, allow_private: bool, limits: Limits):
        self.allow_private = allow_private
        self.limits = limits
        self.deadline = time.monotonic() + limits.total_timeout
        self.expired = False
        self.peers: list[tuple[str, int]] = []
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(limits.total_timeout, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def timed_out(self) -> bool:
        return self.expired or self.remaining() <= 0

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._socks:
                sock.close()
            self._socks.clear()

    def open_socket(self, host: str, port: int, socket_options) -> socket.socket:
        if self.timed_out():
            raise FetchTimeout(f"total deadline of {self.limits.total_timeout}s exceeded")
        try:
            infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise ConnectionFailed(f"cannot resolve {host!r}: {exc}") from None
        if not infos:
            raise ConnectionFailed(f"cannot resolve {host!r}: no addresses")
        for _family, _type, _proto, _name, sockaddr in infos:
            if reason := blocked_reason(str(sockaddr[0]), self.allow_private):
                raise BlockedAddress(f"{host!r} resolves to {sockaddr[0]} ({reason}); refused")
        error: Exception | None = None
        for family, socktype, proto, _name, sockaddr in infos:
            timeout = min(self.limits.connect_timeout, self.remaining())
            if timeout <= 0:
                break
            sock = socket.socket(family, socktype, proto)
            try:
                for option in socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(timeout)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            with self._lock:
                self._socks.append(sock.dup())  # survives the TLS wrap (which detaches `sock`)
                if self.expired:
                    self._socks[-1].shutdown(socket.SHUT_RDWR)
            sock.settimeout(min(self.limits.read_timeout, max(self.remaining(), 0.001)))
            self.peers.append((str(sockaddr[0]), int(sockaddr[1])))
            return sock
        if error is None or isinstance(error, TimeoutError):
            raise FetchTimeout(f"connecting to {host!r} timed out")
        raise ConnectionFailed(f"cannot connect to {host!r}: {error}")


class _GuardedConnectionMixin:
    guard: _Guard

    def _new_conn(self) -> socket.socket:
        return self.guard.open_socket(self._dns_host, self.port, self.socket_options)


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, guard: _Guard):
        self._guard = guard
        super().__init__(pool_connections=2, pool_maxsize=1, max_retries=0)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        attrs = {"guard": self._guard}
        http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), attrs)
        https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), attrs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }

    def proxy_manager_for(self, proxy, **proxy_kwargs):  # a proxy would bypass the guard
        raise ConnectionFailed("proxies are not supported for federation fetches")


def request_error(exc: Exception, guard: "_Guard", url: str, what: str) -> FetchError:
    """The FetchError for an exception raised while sending `what` (e.g. "POST") to `url` through
    a guarded adapter: guard refusals pass through; requests' errors become BadUrl, FetchTimeout
    or ConnectionFailed."""
    if isinstance(exc, FetchError):
        exc.url = exc.url or url
        return exc
    if isinstance(exc, requests.exceptions.InvalidURL):
        return BadUrl(f"malformed URL: {exc}", url=url)
    if guard.timed_out() or isinstance(exc, requests.exceptions.Timeout):
        return FetchTimeout(f"{what} to {url} timed out", url=url)
    kind = "TLS failure" if isinstance(exc, requests.exceptions.SSLError) else "connection failed"
    return ConnectionFailed(f"{kind} for {url}: {exc}", url=url)
