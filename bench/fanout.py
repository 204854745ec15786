#!/usr/bin/env python3
"""Fan-out: seconds from publish() of one activity to 1,000 distinct inboxes until all are delivered.

Usage:
    WEERBAAR_DATA_DIR=/tmp/bench python bench/fanout.py [--inboxes 1000] [--sinks 8] [--threads 4]
        [--processes 2] [--runs 3] [--proposed-settings]

The inboxes are paths /inbox/<n> on --sinks asyncio HTTP servers on 127.0.0.1 (in a separate
process, answering 202). Without CELERY_BROKER_URL the deliveries run on the embedded worker
(--threads threads, as `weerbaarnl serve` runs it); with CELERY_BROKER_URL the script also starts
--processes `celery worker` processes (prefork, --threads each) on that broker. The database is
DATABASE_URL, or SQLite in WEERBAAR_DATA_DIR; the script migrates it and deletes what it created.
Also prints raw RSA-2048 signing speed on this machine and the ratio to it. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESPONSE = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


# --- the remote inboxes (separate process) -----------------------------------------------------

async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, counter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        writer.write(RESPONSE)
        await writer.drain()
        with counter.get_lock():
            counter.value += 1
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


def _serve_sinks(count: int, ports, counter, ready) -> None:
    async def main():
        servers = [await asyncio.start_server(lambda r, w: _handle(r, w, counter), "127.0.0.1", 0, backlog=1024)
                   for _ in range(count)]
        for i, server in enumerate(servers):
            ports[i] = server.sockets[0].getsockname()[1]
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def start_sinks(count: int):
    ctx = multiprocessing.get_context("spawn")
    ports, counter, ready = ctx.Array("i", count), ctx.Value("l", 0), ctx.Event()
    proc = ctx.Process(target=_serve_sinks, args=(count, ports, counter, ready), daemon=True)
    proc.start()
    if not ready.wait(30):
        raise SystemExit("the sink servers did not start")
    return proc, list(ports), counter


# --- raw signing speed ---------------------------------------------------------------------------

def rsa_sign_rate(messages: int = 1000) -> tuple[float, float]:
    """RSA-2048 PKCS#1 v1.5 SHA-256 signatures per second: one thread, and two threads."""
    import threading

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def sign(n):
        for i in range(n):
            key.sign(b"(request-target): post /inbox/%d\nhost: 127.0.0.1\ndate: x" % i, padding.PKCS1v15(),
                     hashes.SHA256())

    started = time.perf_counter()
    sign(messages)
    one = messages / (time.perf_counter() - started)
    threads = [threading.Thread(target=sign, args=(messages // 2,)) for _ in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return one, messages / (time.perf_counter() - started)


# --- the node side -------------------------------------------------------------------------------

# Settings this benchmark found to matter (they belong in server/settings.py):
# * CELERY_DB_REUSE_MAX: Celery's Django fix-up closes the database connection before and after
#   every task unless it is set, so each delivery opened a new connection (PostgreSQL forks a
#   backend for each).
# * For the embedded (memory://) broker: kombu polls an in-memory queue every second by default
#   whenever the worker's prefetch window is full, which limits the embedded worker to about
#   `threads` tasks per second; poll every 10 ms and let each thread hold 4 tasks.
PROPOSED_SETTINGS = """
from server.settings import *  # noqa: F401,F403

CELERY_DB_REUSE_MAX = 100
if EMBEDDED_WORKER:
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "polling_interval": 0.01}
    CELERY_WORKER_PREFETCH_MULTIPLIER = 4
"""


def use_proposed_settings() -> None:
    """Run this process and the workers it starts on server.settings plus PROPOSED_SETTINGS."""
    folder = Path(tempfile.mkdtemp(prefix="weerbaarnl-bench-settings-"))
    (folder / "bench_proposed_settings.py").write_text(PROPOSED_SETTINGS)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), str(ROOT), os.environ.get("PYTHONPATH")]))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_proposed_settings"
    sys.path.insert(0, str(folder))


def setup_django() -> None:
    os.environ.setdefault("WEERBAAR_DATA_DIR", tempfile.mkdtemp(prefix="weerbaarnl-bench-"))
    os.environ.setdefault("WEERBAAR_URL", "http://bench.test")
    os.environ["WEERBAAR_FEDERATION_ALLOW_PRIVATE"] = "true"
    os.environ.setdefault("WEERBAAR_LOG_LEVEL", "WARNING")
    os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"bench-{uuid.uuid4().hex[:8]}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    os.environ.setdefault("SECRET_KEY", f"bench-{uuid.uuid4().hex}{uuid.uuid4().hex}")  # required with PostgreSQL
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_followers(ports: list[int], inboxes: int):
    from federation.keys import ensure_key
    from federation.models import Actor, Follow, RemoteActor

    actor = Actor.objects.create(type=Actor.Type.GROUP, username=f"bench{uuid.uuid4().hex[:8]}")
    ensure_key(actor)
    remotes, follows = [], []
    for n in range(inboxes):
        port = ports[n % len(ports)]
        uri = f"http://127.0.0.1:{port}/users/{actor.username}-{n}"
        remotes.append(RemoteActor(uri=uri, domain=f"127.0.0.1:{port}", inbox=f"http://127.0.0.1:{port}/inbox/{n}"))
        follows.append(Follow(follower_uri=uri, followee_uri=actor.uri, followee=actor, state=Follow.State.ACCEPTED))
    RemoteActor.objects.bulk_create(remotes, batch_size=500)
    Follow.objects.bulk_create(follows, batch_size=500)
    return actor


def cleanup(actor) -> None:
    from federation.models import Follow, Peer, RemoteActor

    RemoteActor.objects.filter(uri__contains=f"/users/{actor.username}-").delete()
    Follow.objects.filter(followee=actor).delete()
    Peer.objects.filter(domain__startswith="127.0.0.1:").delete()
    actor.delete()


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat; zeros where there is none."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return float(sum(fields) - idle), float(sum(fields))


def one_run(actor, inboxes: int, timeout: float) -> tuple[float, float, int, float]:
    """(seconds to publish and enqueue, seconds until all delivered, delivered count, share of
    the machine's CPU time busy meanwhile)."""
    from django.db import transaction

    from federation.delivery import publish
    from federation.models import Delivery

    busy, total = cpu_times()
    started = time.perf_counter()
    with transaction.atomic():
        activity = publish(actor, {"type": "Create", "object": {"type": "Note", "content": "bench"}},
                           to_followers=True)
    enqueued = time.perf_counter() - started
    deadline = time.monotonic() + timeout
    delivered = 0
    while time.monotonic() < deadline:
        delivered = Delivery.objects.filter(activity=activity, status=Delivery.Status.DELIVERED).count()
        if delivered >= inboxes:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    busy_after, total_after = cpu_times()
    load = (busy_after - busy) / (total_after - total) if total_after > total else 0.0
    return enqueued, elapsed, delivered, load


def start_celery_workers(processes: int, threads: int, pool: str) -> list[subprocess.Popen]:
    from django.conf import settings

    env = dict(os.environ)
    procs = []
    for i in range(processes):
        cmd = [sys.executable, "-m", "celery", "-A", "server", "worker", "--pool", pool, "--concurrency",
               str(threads), "--queues", settings.CELERY_TASK_DEFAULT_QUEUE, "--loglevel", "WARNING",
               "--without-heartbeat", "--without-mingle", "--without-gossip", "--hostname", f"bench{i}@%h"]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    time.sleep(4)  # no readiness signal that is cheap to read; the first run also warms them up
    return procs


def report(label: str, results: list[tuple[float, float, int, float]], inboxes: int, sign_rate: float) -> None:
    for i, (enqueued, total, delivered, load) in enumerate(results, 1):
        print(f"  {label} run {i}: {delivered}/{inboxes} delivered in {total:.2f} s "
              f"(publish + enqueue {enqueued:.2f} s) = {delivered / total:.0f} deliveries/s; "
              f"CPUs {load:.0%} busy")
    best = min(result[1] for result in results)
    median = statistics.median(result[1] for result in results)
    print(f"  {label}: median {median:.2f} s, best {best:.2f} s (target: under 5 s); "
          f"{inboxes / median:.0f} deliveries/s = {inboxes / median / sign_rate:.2f} × the raw RSA-2048 "
          f"signing rate on both cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inboxes", type=int, default=1000)
    parser.add_argument("--sinks", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4, help="worker threads (embedded) or pool size")
    parser.add_argument("--processes", type=int, default=2, help="celery worker processes (with a broker)")
    parser.add_argument("--pool", default="prefork", help="celery pool for the worker processes")
    parser.add_argument("--proposed-settings", action="store_true",
                        help="run with the settings proposed for delivery throughput (PROPOSED_SETTINGS)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    one, two = rsa_sign_rate()
    print(f"raw RSA-2048 signing: {one:.0f}/s on one thread, {two:.0f}/s on two threads "
          f"({os.cpu_count()} CPUs)")
    sinks, ports, counter = start_sinks(args.sinks)
    if args.proposed_settings:
        use_proposed_settings()
    setup_django()
    from django.conf import settings

    actor = create_followers(ports, args.inboxes)
    db = "SQLite" if settings.USING_SQLITE else "PostgreSQL"
    print(f"{args.inboxes} inboxes on {args.sinks} loopback servers; database {db}")
    try:
        if settings.EMBEDDED_WORKER:
            from server.worker import EmbeddedWorker

            worker = EmbeddedWorker(concurrency=args.threads).start(with_beat=False)
            try:
                results = [one_run(actor, args.inboxes, args.timeout) for _ in range(args.runs)]
            finally:
                worker.stop()
            report(f"embedded worker, {args.threads} threads", results, args.inboxes, two)
        else:
            procs = start_celery_workers(args.processes, args.threads, args.pool)
            try:
                results = [one_run(actor, args.inboxes, args.timeout) for _ in range(args.runs)]
            finally:
                for proc in procs:
                    proc.terminate()
                for proc in procs:
                    proc.wait(30)
            report(f"celery, {args.processes} × {args.pool} {args.threads}", results, args.inboxes, two)
        print(f"requests received by the sinks: {counter.value}")
    finally:
        cleanup(actor)
        sinks.terminate()


if __name__ == "__main__":
    main()
