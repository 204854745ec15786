"""Fixtures for delivery tests: a real HTTP inbox on loopback that records what it receives."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Sink:
    """Another server's inbox. `script` holds (status, headers) answers used in order; when it
    runs out every request gets `default`."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    script: list[tuple[int, dict]] = field(default_factory=list)
    default: tuple[int, dict] = (202, {})
    documents: dict[str, dict] = field(default_factory=dict)  # GET path → ActivityStreams document
    fetched: list[Received] = field(default_factory=list)  # the GET requests
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/inbox") -> str:
        return f"http://{self.host}{path}"

    def answer(self, request: Received) -> tuple[int, dict]:
        with self.lock:
            self.received.append(request)
            return self.script.pop(0) if self.script else self.default


class _Handler(BaseHTTPRequestHandler):
    sink: Sink

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers = self.sink.answer(Received("POST", self.path, list(self.headers.items()), body))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # noqa: N802
        self.sink.fetched.append(Received("GET", self.path, list(self.headers.items()), b""))
        document = self.sink.documents.get(self.path)
        body = json.dumps(document).encode() if document is not None else b""
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/activity+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def sink():
    """A running inbox server on 127.0.0.1 (a free port); stopped after the test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    box = Sink(server)
    server.RequestHandlerClass = type("Handler", (_Handler,), {"sink": box})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_ok(settings):
    """The remote servers in these tests live on loopback."""
    settings.FEDERATION_ALLOW_PRIVATE = True
    return settings


@pytest.fixture
def federation_logs(caplog):
    """caplog for the `federation` loggers (they do not propagate to the root logger)."""
    logger = logging.getLogger("federation")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="federation")
    yield caplog
    logger.removeHandler(caplog.handler)
