#!/usr/bin/env python3
"""Inbox: signed Create(Note) accepted per second (verify + store + 202, cached key), and stored
inbox items processed per second by one worker process (Create(Note) to a group, and Follow).

Usage:
    WEERBAAR_DATA_DIR=/tmp/bench [DATABASE_URL=postgres://postgres@127.0.0.1:5432/wnl_inboxbench]
        [CELERY_BROKER_URL=redis://127.0.0.1:6379/0] python bench/inbox.py [--count 2000] [--runs 3]
        [--clients 4] [--server-threads 8] [--process-count 2000] [--profile] [--skip-http]

Accept is measured three ways, each on `--count` distinct activities signed beforehand
(draft-cavage rsa-sha256 as Mastodon signs; signing is not timed): in process through the whole
middleware stack (django.test.Client, one thread), in process through the view alone
(RequestFactory), and over HTTP against `weerbaarnl serve --no-worker` (waitress) on a free
loopback port with `--clients` keep-alive client threads. The sender's key is cached (RemoteActor).
Processing calls federation.inbound.process.process_item on `--process-count` pending items.
Each run prints items per wall second and the node process's CPU time per item (the machine may
be shared: CPU time says what one free core would do).

With a PostgreSQL DATABASE_URL the script creates that database (dropping an old one of that
name) and drops it at the end; without one it uses SQLite in a temporary folder inside
WEERBAAR_DATA_DIR. With a Redis broker the tasks go to a queue of their own, deleted at the end;
no worker consumes them, so nothing is delivered anywhere. Prints figures, never asserts.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import os
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SENDER = "https://sender.example"
AS_CT = "application/activity+json"
SIGNED = ("(request-target)", "host", "date", "digest", "content-type")
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


# --- machine -------------------------------------------------------------------------------------

def rsa_verify_rate(count: int = 5000) -> float:
    """RSA-2048 PKCS#1 v1.5 SHA-256 verifications per second on one thread (best of 3)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public, message = key.public_key(), b"(request-target): post /groups/bench/inbox\nhost: x\ndate: y"
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    best = 0.0
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(count):
            public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        best = max(best, count / (time.perf_counter() - started))
    return best


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- database and Django ---------------------------------------------------------------------------

def postgres_admin(url: str, *statements: str) -> None:
    """Run statements on the server of `url`, connected to its `postgres` database."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                         password=parts.password or None, dbname="postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.format(name=parts.path.lstrip("/")))


def setup_django(port: int, data_dir: str) -> None:
    os.environ.update(WEERBAAR_DATA_DIR=data_dir, WEERBAAR_URL=f"http://127.0.0.1:{port}",
                      WEERBAAR_LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="server.settings",
                      CELERY_TASK_DEFAULT_QUEUE=f"inboxbench-{uuid.uuid4().hex[:8]}")
    os.environ.setdefault("SECRET_KEY", f"bench-{uuid.uuid4().hex}{uuid.uuid4().hex}")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def delete_queue() -> None:
    """Delete this run's broker queue (Redis); the memory broker ends with the process."""
    from django.conf import settings

    if not settings.EMBEDDED_WORKER:
        from server.celery import app

        with app.connection_for_write() as conn:  # kombu deletes only what this channel declared
            queue = app.amqp.queues[settings.CELERY_TASK_DEFAULT_QUEUE](conn.default_channel)
            queue.declare()
            queue.delete()


def pg_backend_cpu() -> dict[int, float]:
    """CPU seconds of each server process connected to our PostgreSQL database (none on SQLite)."""
    from django.conf import settings
    from django.db import connection

    if settings.USING_SQLITE:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return {row[0]: cpu_seconds(row[0]) for row in cursor.fetchall()}


def count_statements(func) -> int:
    """SQL statements Django sends while `func()` runs (BEGIN/COMMIT are not counted)."""
    from django.db import connection

    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        func()
    return len(statements)


# --- fixtures ------------------------------------------------------------------------------------

def fixtures():
    """(group, sender URI, sender's private key): a group and a cached remote sender."""
    from federation.crypto import generate_rsa_keypair, load_private_key
    from federation.models import RemoteActor
    from federation.services import create_local_actor

    group = create_local_actor("Group", "bench", name="Bench")
    pair = generate_rsa_keypair()
    sender = f"{SENDER}/users/alice"
    RemoteActor.objects.create(uri=sender, domain="sender.example", type="Person", username="alice",
                               inbox=f"{sender}/inbox", shared_inbox=f"{SENDER}/inbox", key_id=f"{sender}#main-key",
                               public_key_pem=pair.public_pem, document={"id": sender})
    return group, sender, load_private_key(pair.private_pem)


def create_note(sender: str, group_uri: str) -> dict:
    """A Create(Note) addressed to a group, shaped like Mastodon's (about 1.8 KB as JSON)."""
    note = f"{sender}/statuses/{uuid.uuid4().int >> 64}"
    audience = {"to": [PUBLIC], "cc": [f"{sender}/followers", group_uri]}
    return {
        "@context": ["https://www.w3.org/ns/activitystreams",
                     {"sensitive": "as:sensitive", "Hashtag": "as:Hashtag", "toot": "http://joinmastodon.org/ns#"}],
        "id": f"{note}/activity", "type": "Create", "actor": sender, "published": "2026-12-03T10:00:00Z", **audience,
        "object": {
            "id": note, "type": "Note", "summary": None, "inReplyTo": None, "published": "2026-12-03T10:00:00Z",
            "url": f"{SENDER}/@alice/{note.rsplit('/', 1)[1]}", "attributedTo": sender, **audience,
            "sensitive": False, "content": f'<p>Water pump at the community centre works again; bring containers. '
            f'<a href="{group_uri}" class="u-url mention">@bench</a> <a href="{SENDER}/tags/storm">#storm</a></p>',
            "contentMap": {"en": "<p>Water pump at the community centre works again.</p>"}, "attachment": [],
            "tag": [{"type": "Mention", "href": group_uri, "name": "@bench@127.0.0.1"},
                    {"type": "Hashtag", "href": f"{SENDER}/tags/storm", "name": "#storm"}],
            "replies": {"id": f"{note}/replies", "type": "Collection", "first": {
                "type": "CollectionPage", "next": f"{note}/replies?page=true", "partOf": f"{note}/replies",
                "items": []}},
        },
    }


def presign(count: int, sender: str, private_key, group) -> list[tuple[str, bytes, dict[str, str]]]:
    """`count` distinct signed Create(Note) POSTs to the group's inbox: (path, body, headers)."""
    from django.conf import settings

    from federation.crypto import sign_cavage

    path = urlsplit(group.uri).path + "/inbox"
    signed = []
    for _ in range(count):
        body = json.dumps(create_note(sender, group.uri)).encode()
        headers = {"Content-Type": AS_CT}
        headers.update(sign_cavage("POST", settings.WEERBAAR_URL + path, headers, body, f"{sender}#main-key",
                                   private_key, signed_headers=SIGNED))
        signed.append((path, body, headers))
    return signed


def clear_inbox() -> None:
    from federation.models import InboxItem

    InboxItem.objects.all().delete()


def pending_rows() -> int:
    from federation.models import InboxItem

    return InboxItem.objects.filter(status=InboxItem.Status.PENDING).count()


# --- measuring -----------------------------------------------------------------------------------

@dataclass
class Runs:
    """Per run: items per wall second, and node-process CPU milliseconds per item."""

    rates: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def summary(self, target: int) -> str:
        cpu = statistics.median(self.cpu_ms)
        return (f"{max(self.rates):.0f} / {statistics.median(self.rates):.0f} per s (target {target}); "
                f"node CPU median {cpu:.2f} ms each = at most {1000 / cpu:.0f}/s on one free core")


def measure(label: str, runs: int, prepare, run) -> Runs:
    """`runs` times: prepare() untimed, then time run(prepared) -> (count, outcome, node CPU s or
    None for this process). Prints each run; returns the figures."""
    result = Runs()
    for i in range(1, runs + 1):
        prepared = prepare()
        backends = pg_backend_cpu()
        wall, cpu = time.perf_counter(), time.process_time()
        count, outcome, node_cpu = run(prepared)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        pg_cpu = sum(used - backends.get(pid, 0.0) for pid, used in pg_backend_cpu().items())
        cpu_ms = 1000 * (cpu if node_cpu is None else node_cpu) / count
        pg = f", PostgreSQL backends {1000 * pg_cpu / count:.2f} ms CPU each" if backends else ""
        result.rates.append(count / wall)
        result.cpu_ms.append(cpu_ms)
        print(f"  {label} run {i}: {count} in {wall:.2f} s = {count / wall:.0f}/s; {outcome}; "
              f"node process {cpu_ms:.2f} ms CPU each{pg}; {load()}", flush=True)
        clear_inbox()
    print(f"  {label}: best {max(result.rates):.0f}/s, median {statistics.median(result.rates):.0f}/s", flush=True)
    return result


# --- accept --------------------------------------------------------------------------------------

def post_in_process(requests: list, group, mode: str) -> Counter:
    """POST every request through the test Client (mode "client") or the view alone ("view")."""
    from django.test import Client, RequestFactory

    from federation.views.inbox import actor_inbox

    statuses: Counter = Counter()
    client, factory = Client(), RequestFactory()
    for path, body, headers in requests:
        if mode == "client":
            response = client.generic("POST", path, body, content_type=AS_CT, headers=headers)
        else:
            response = actor_inbox(factory.generic("POST", path, body, content_type=AS_CT, headers=headers),
                                   "groups", group.username)
        statuses[response.status_code] += 1
    return statuses


def accept_in_process(args, group, sender, key) -> dict[str, Runs]:
    results = {}
    for mode, label in (("client", "in-process, test Client (all middleware)"),
                        ("view", "in-process, RequestFactory + view")):
        def run(requests, mode=mode):
            statuses = post_in_process(requests, group, mode)
            return len(requests), f"statuses {dict(statuses)}, {pending_rows()} pending rows", None

        results[label] = measure(label, args.runs, lambda: presign(args.count, sender, key, group), run)
    one = presign(1, sender, key, group)
    print(f"  SQL statements for one accept (BEGIN/COMMIT not counted): "
          f"{count_statements(lambda: post_in_process(one, group, 'client'))}", flush=True)
    clear_inbox()
    if args.profile:
        requests = presign(args.count, sender, key, group)
        profiler = cProfile.Profile()
        profiler.runcall(post_in_process, requests, group, "client")
        clear_inbox()
        for order in ("tottime", "cumulative"):
            print(f"\n  profile of {args.count} accepts (test Client), top 30 by {order}:")
            pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(30)
    return results


def start_server(port: int, threads: int) -> subprocess.Popen:
    command = [str(Path(sys.executable).with_name("weerbaarnl")), "serve", "--no-worker",
               "--bind", f"127.0.0.1:{port}", "--threads", str(threads)]
    proc = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        if line.startswith("Serving"):
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep the pipe drained
            return proc
    raise SystemExit(f"weerbaarnl serve did not start (exit {proc.wait()})")


def post_http(port: int, requests: list, clients: int) -> Counter:
    """POST the requests over `clients` keep-alive connections in parallel threads."""
    statuses: Counter = Counter()
    lock = threading.Lock()

    def worker(share: list) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for path, body, headers in share:
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            response.read()
            with lock:
                statuses[response.status] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(requests[i::clients],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def accept_http(args, port: int, group, sender, key) -> Runs:
    server = start_server(port, args.server_threads)
    try:
        def run(requests):
            before = cpu_seconds(server.pid)
            statuses = post_http(port, requests, args.clients)
            used = cpu_seconds(server.pid) - before
            return len(requests), f"statuses {dict(statuses)}, {pending_rows()} pending rows", used

        label = f"HTTP, serve --no-worker ({args.server_threads} threads), {args.clients} clients"
        return measure(label, args.runs, lambda: presign(args.count, sender, key, group), run)
    finally:
        server.terminate()
        server.wait(30)


# --- processing ------------------------------------------------------------------------------------

def pending_items(kind: str, count: int, group, sender: str) -> list[int]:
    """Store `count` verified (pending) items; for Follow also `count` cached remote followers."""
    from django.utils import timezone

    from federation.models import InboxItem, RemoteActor

    if kind == "Follow":
        followers = [f"{SENDER}/users/f{uuid.uuid4().hex[:8]}-{n}" for n in range(count)]
        RemoteActor.objects.bulk_create([
            RemoteActor(uri=uri, domain="sender.example", type="Person", username=uri.rsplit("/", 1)[1],
                        inbox=f"{uri}/inbox", key_id=f"{uri}#main-key", document={"id": uri}) for uri in followers
        ], batch_size=500)
        payloads = [{"@context": "https://www.w3.org/ns/activitystreams", "id": f"{uri}/follows/{uuid.uuid4()}",
                     "type": "Follow", "actor": uri, "object": group.uri} for uri in followers]
    else:
        payloads = [create_note(sender, group.uri) for _ in range(count)]
    now = timezone.now()
    InboxItem.objects.bulk_create([
        InboxItem(activity_id=p["id"], type=p["type"], actor_uri=p["actor"], key_id=p["actor"] + "#main-key",
                  recipient=group, payload=p, status=InboxItem.Status.PENDING, next_attempt_at=now)
        for p in payloads
    ], batch_size=500)
    return list(InboxItem.objects.filter(status=InboxItem.Status.PENDING).order_by("pk").values_list("pk", flat=True))


def clear_processing(group) -> None:
    from federation.models import Activity, Delivery, Follow, RemoteActor

    Delivery.objects.all().delete()
    Activity.objects.all().delete()
    Follow.objects.filter(followee=group).delete()
    RemoteActor.objects.filter(uri__startswith=f"{SENDER}/users/f").delete()
    clear_inbox()


def processing(args, group, sender: str) -> dict[str, Runs]:
    from django.db.models import Count

    from federation import registry
    from federation.inbound.process import process_item
    from federation.models import Activity, Delivery, Follow, InboxItem

    results = {}
    for kind, object_type in (("Create", "Note"), ("Follow", "Group")):
        label = f"process_item, {kind}({object_type})"
        handler = registry.resolve_handler(kind, object_type)
        print(f"  {label}: handler {getattr(handler, '__qualname__', None) or 'none (ends ignored)'}")

        def run(ids, kind=kind):
            outcomes = Counter(str(process_item(item_id)) for item_id in ids)
            rows = dict(InboxItem.objects.values_list("status").annotate(n=Count("pk")))
            made = ""
            if kind == "Follow":
                made = (f", {Follow.objects.filter(followee=group, state=Follow.State.ACCEPTED).count()} follows "
                        f"accepted, {Activity.objects.filter(type='Accept').count()} Accept activities, "
                        f"{Delivery.objects.count()} deliveries")
            return len(ids), f"outcomes {dict(outcomes)}, rows {rows}{made}", None

        def prepare(kind=kind):
            clear_processing(group)
            return pending_items(kind, args.process_count, group, sender)

        results[label] = measure(label, args.runs, prepare, run)
        clear_processing(group)
        one = pending_items(kind, 1, group, sender)
        print(f"  SQL statements for one {label} (BEGIN/COMMIT not counted): "
              f"{count_statements(lambda: process_item(one[0]))}", flush=True)
        clear_processing(group)
    return results


# --- main ------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="activities per accept run")
    parser.add_argument("--process-count", type=int, default=2000, help="items per processing run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4, help="HTTP client threads")
    parser.add_argument("--server-threads", type=int, default=8, help="waitress threads of the node")
    parser.add_argument("--skip-http", action="store_true", help="do not measure over HTTP")
    parser.add_argument("--skip-processing", action="store_true", help="do not measure processing")
    parser.add_argument("--profile", action="store_true", help="also profile one in-process accept pass")
    args = parser.parse_args()

    print(f"machine at start: {load()}", flush=True)
    verify = rsa_verify_rate()
    print(f"raw RSA-2048 PKCS#1 v1.5 SHA-256 verify: {verify:.0f}/s on one thread", flush=True)
    database_url = os.environ.get("DATABASE_URL", "")
    postgres = database_url.split(":", 1)[0] in ("postgres", "postgresql", "pgsql")
    base = os.environ.get("WEERBAAR_DATA_DIR") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="inboxbench-", dir=base)
    if postgres:
        postgres_admin(database_url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', 'CREATE DATABASE "{name}"')
    port = free_port()
    try:
        setup_django(port, data_dir)
        from django.conf import settings
        from django.db import connections

        broker = "memory (embedded)" if settings.EMBEDDED_WORKER else settings.CELERY_BROKER_URL.split(":", 1)[0]
        print(f"database {'SQLite' if settings.USING_SQLITE else 'PostgreSQL'}, broker {broker}, "
              f"node {settings.WEERBAAR_URL}; {args.count} signed Create(Note) per accept run", flush=True)
        try:
            group, sender, key = fixtures()
            accepted = accept_in_process(args, group, sender, key)
            if not args.skip_http:
                accepted[f"HTTP ({args.clients} clients)"] = accept_http(args, port, group, sender, key)
            processed = {} if args.skip_processing else processing(args, group, sender)
        finally:
            delete_queue()
            connections.close_all()
        print("\nsummary (best / median):")
        for label, runs in accepted.items():
            print(f"  accept, {label}: {runs.summary(300)}; the median rate is "
                  f"1/{verify / statistics.median(runs.rates):.0f} of raw RSA verify ({verify:.0f}/s)")
        for label, runs in processed.items():
            print(f"  {label}: {runs.summary(100)}")
        print(f"machine at end: {load()}")
    finally:
        if postgres:
            postgres_admin(database_url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
