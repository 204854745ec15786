"""Helpers for inbox tests: signed POSTs, cached remote actors, and a real remote actor server.

Remote servers are real HTTP servers on 127.0.0.1 (settings.FEDERATION_ALLOW_PRIVATE on); the
request path itself is always driven through Django's test client.
"""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Callable

import pytest
from django.conf import settings

import federation.inbound  # noqa: F401  (registers the core handlers, as FederationConfig.ready will)
from federation.crypto import generate_rsa_keypair, sign_cavage, sign_rfc9421
from federation.models import Follow, InboxItem, RemoteActor
from federation.services import create_local_actor

REMOTE = "https://remote.example"
ALICE = f"{REMOTE}/users/alice"
BOB = f"{REMOTE}/users/bob"
AS_CT = "application/activity+json"


@pytest.fixture(scope="session")
def alice_keys():
    return generate_rsa_keypair()


@pytest.fixture(scope="session")
def bob_keys():
    return generate_rsa_keypair()


def activity(kind: str, actor: str = ALICE, **fields) -> dict:
    """An activity with a fresh id on its actor's server."""
    base = actor.split("/users/")[0]
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{base}/activities/{uuid.uuid4()}",
            "type": kind, "actor": actor, **fields}


def as_body(document) -> bytes:
    return document if isinstance(document, bytes) else json.dumps(document).encode()


def post_signed(client, path: str, document, key_id: str, private_pem: str, *, now=None, scheme: str = "cavage",
                tamper: Callable[[bytes], bytes] | None = None, drop: tuple[str, ...] = (), extra: dict | None = None):
    """POST `document` to `path`, signed for settings.WEERBAAR_URL + path; `tamper` changes the body
    after signing, `drop` removes signed headers, `extra` adds or replaces headers."""
    body = as_body(document)
    url = settings.WEERBAAR_URL + path
    base = {"Content-Type": AS_CT}
    if scheme == "cavage":
        headers = sign_cavage("POST", url, base, body, key_id, private_pem, now=now)
    else:
        headers = {"Host": settings.WEERBAAR_DOMAIN,
                   **sign_rfc9421("POST", url, base, body, key_id, private_pem, now=now)}
    headers = {name: value for name, value in headers.items() if name not in drop}
    headers.update(extra or {})
    return client.generic("POST", path, tamper(body) if tamper else body, content_type=AS_CT, headers=headers)


def cache_actor(uri: str, public_pem: str, *, key_id: str | None = None, **fields) -> RemoteActor:
    """A remote actor as the worker would have cached it."""
    domain = uri.split("://", 1)[1].split("/", 1)[0]
    defaults = {"domain": domain, "type": "Person", "username": uri.rsplit("/", 1)[-1],
                "inbox": f"{uri}/inbox", "shared_inbox": uri.split("/users/")[0] + "/inbox"}
    defaults.update(fields)
    return RemoteActor.objects.create(uri=uri, key_id=key_id or f"{uri}#main-key", public_key_pem=public_pem,
                                      document={"id": uri}, **defaults)


def counts() -> tuple[int, int, int]:
    """(inbox items, follows, remote actors): what a refused request must leave unchanged."""
    return InboxItem.objects.count(), Follow.objects.count(), RemoteActor.objects.count()


@pytest.fixture
def group(db):
    return create_local_actor("Group", "crisis", name="Crisisoverleg")


@pytest.fixture
def closed_group(db):
    return create_local_actor("Group", "besloten", name="Besloten", manually_approves_followers=True)


@pytest.fixture
def person(db):
    return create_local_actor("Person", "anna", name="Anna")


def actor_document(uri: str, public_pem: str, *, key_id: str | None = None, kind: str = "Person", **extra) -> dict:
    """A Mastodon-shaped actor document."""
    base = uri.rsplit("/users/", 1)[0]
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": uri, "type": kind, "preferredUsername": uri.rsplit("/", 1)[-1], "name": "Remote actor",
        "inbox": f"{uri}/inbox", "outbox": f"{uri}/outbox", "followers": f"{uri}/followers",
        "endpoints": {"sharedInbox": f"{base}/inbox"}, "manuallyApprovesFollowers": False,
        "publicKey": {"id": key_id or f"{uri}#main-key", "owner": uri, "publicKeyPem": public_pem},
        **extra,
    }


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        status, document = self.server.routes.get(self.path, (404, {"error": "not found"}))
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", AS_CT)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class RemoteServer:
    """A remote ActivityPub server on 127.0.0.1: serves `routes` (path → (status, JSON))."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.routes = {}
        self.httpd.requests = []
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def routes(self) -> dict:
        return self.httpd.routes

    @property
    def requests(self) -> list:
        return self.httpd.requests

    def serve_actor(self, name: str, public_pem: str, **kwargs) -> str:
        uri = f"{self.base}/users/{name}"
        self.routes[f"/users/{name}"] = (200, actor_document(uri, public_pem, **kwargs))
        return uri


@pytest.fixture
def remote_server(settings):
    settings.FEDERATION_ALLOW_PRIVATE = True
    server = RemoteServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
