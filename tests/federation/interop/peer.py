"""A fediverse-pasture actor on loopback: the remote side of the interop tests.

Runs in the peer's own virtual environment (see pasture.py), never in ours: it imports only
fediverse-pasture, bovine and their dependencies, and nothing of this project. What plays the
remote side is their code: fediverse-pasture's `BlueprintForActors` serves the actor document
(built by bovine) and the inbox, and verifies HTTP signatures on GETs of the actor and POSTs to
the inbox by fetching the signer's key with a bovine-signed GET; `send` builds Follow and Undo
with bovine's ActivityFactory and signs and POSTs them with bovine's `BovineActor`. This file
only wires them up and records what happened:

    STATE/actor.json        alice's keys (fediverse-pasture's ActorData)
    STATE/requests.jsonl    one line per request: method, path, status, signed or not
    STATE/inbox.jsonl       every activity the inbox accepted (after signature verification)
    STATE/contexts.jsonl    JSON-LD contexts bovine asked for that are not bundled (should stay empty)

bovine resolves JSON-LD contexts over the Internet; here its document loader serves the copies
in contexts/ and refuses every other URL, so the peer only ever talks to loopback.

    python peer.py serve --host 127.0.0.1 --port 2909 --state DIR
    python peer.py send --state DIR --actor-id http://127.0.0.1:2909/alice --inbox URL \\
        --follow URI | --undo ACTIVITY_JSON | --activity ACTIVITY_JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import uuid
from pathlib import Path

import aiohttp
from bovine import jsonld as bovine_jsonld
from bovine.activitystreams.activity_factory import ActivityFactory
from fediverse_pasture.data_provider import bovine_actor_for_actor_data
from fediverse_pasture.data_provider.generate import generate_key_pair
from fediverse_pasture.data_provider.models import ActorData
from fediverse_pasture.server import BlueprintForActors
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config
from pyld import jsonld
from quart import Quart, request

CONTEXTS = {
    "https://w3id.org/security/v1": "security-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
}


def offline_contexts(state: Path) -> None:
    """Make pyld (as configured by bovine) resolve contexts from disk only."""
    here = Path(__file__).resolve().parent / "contexts"
    documents = {url: json.loads((here / name).read_text()) for url, name in CONTEXTS.items()}
    builtin = bovine_jsonld.wrapper  # bovine's own answers for ActivityStreams and Mastodon's namespace

    def loader(url: str, options=None, **kwargs) -> dict:
        if url in documents:
            return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                    "document": documents[url]}
        if url in (bovine_jsonld.bovine_context_name, "https://www.w3.org/ns/activitystreams") or url.startswith(
                "http://joinmastodon.org/ns"):
            return builtin(url, options or {})
        record(state / "contexts.jsonl", {"url": url})
        # What bovine itself does when a context cannot be loaded.
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": {"@context": []}}

    jsonld.set_document_loader(loader)


def record(path: Path, entry: dict) -> None:
    with path.open("a") as fh:
        fh.write(json.dumps(entry) + "\n")


def serve(host: str, port: int, state: Path) -> None:
    # "actor" is the application actor: public, it signs the peer's own fetches (of our keys),
    # like Mastodon's instance actor. "alice" is the user that follows and is followed.
    application = ActorData(actor_name="actor", key_pairs=[generate_key_pair("main")])
    actor = ActorData(actor_name="alice", user_part="alice", key_pairs=[generate_key_pair("main")],
                      requires_signed_get_for_actor=True, requires_signed_post_for_inbox=True)
    (state / "actor.json").write_text(actor.model_dump_json())

    async def on_inbox(data: dict) -> None:
        record(state / "inbox.jsonl", data)

    app = Quart("pasture-peer")
    app.register_blueprint(BlueprintForActors(actors=[application, actor], on_inbox=on_inbox).blueprint)

    @app.after_request
    async def log_request(response):
        record(state / "requests.jsonl", {
            "method": request.method, "path": request.path, "status": response.status_code,
            "signed": "signature" in request.headers,
        })
        return response

    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = None
    asyncio.run(hypercorn_serve(app, config))


def build(actor_id: str, data: ActorData, follow: str | None, undo: dict | None, activity: dict | None) -> dict:
    """The activity to send: a Follow or Undo built by bovine's ActivityFactory, or `activity` as given."""
    if activity is not None:
        return activity
    _, actor = bovine_actor_for_actor_data(actor_id, data)
    factory = ActivityFactory(actor.build(), id_generator=lambda: f"{actor_id}/activities/{uuid.uuid4()}")
    return (factory.follow(follow) if follow else factory.undo(undo)).build()


def send(state: Path, actor_id: str, inbox: str, **spec) -> int:
    """POST an activity to `inbox`, signed by bovine as the actor; prints what was sent and the
    answer as JSON, exits 0 on 2xx."""
    data = ActorData.model_validate_json((state / "actor.json").read_text())
    activity = build(actor_id, data, **spec)
    bovine_actor, _ = bovine_actor_for_actor_data(actor_id, data)

    async def post() -> tuple[int, str]:
        async with aiohttp.ClientSession() as session:
            await bovine_actor.init(session=session)
            response = await bovine_actor.client.post(inbox, json.dumps(activity))
            return response.status, await response.text()

    status, text = asyncio.run(post())
    print(json.dumps({"status": status, "body": text[:2000], "activity": activity}))
    return 0 if 200 <= status < 300 else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--state", type=Path, required=True)
    p = sub.add_parser("send")
    p.add_argument("--state", type=Path, required=True)
    p.add_argument("--actor-id", required=True)
    p.add_argument("--inbox", required=True)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--follow", metavar="URI", help="a Follow of URI, built by bovine")
    what.add_argument("--undo", metavar="JSON", type=json.loads, help="an Undo of this activity, built by bovine")
    what.add_argument("--activity", metavar="JSON", type=json.loads, help="this activity, as given")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    offline_contexts(args.state)
    if args.command == "serve":
        serve(args.host, args.port, args.state)
        return 0
    return send(args.state, args.actor_id, args.inbox, follow=args.follow, undo=args.undo, activity=args.activity)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
