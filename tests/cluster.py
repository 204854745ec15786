"""Several of our nodes as real HTTP servers on distinct loopback addresses, for federation tests.

Each node has its own data directory and database and its own background worker:
- embedded mode (no CELERY_BROKER_URL): SQLite and the worker inside `weerbaarnl serve`;
- broker mode (CI): its own PostgreSQL database, its own queue on the broker, and a separate
  `weerbaarnl worker` process (with beat, for retries).
Nodes talk to each other with real HTTP signatures. Time-based behaviour (retries) is
compressed with WEERBAAR_DELIVERY_TIME_SCALE.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSTHROUGH_PREFIXES = ("WEERBAAR_", "DATABASE_URL", "CELERY_", "SECRET_KEY", "EMAIL_", "DJANGO_")


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class Node:
    name: str
    host: str
    data_dir: Path
    env: dict
    port: int = 0
    processes: list = field(default_factory=list)
    database: str | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def domain(self) -> str:
        return f"{self.host}:{self.port}"

    def cli(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{self.name}: weerbaarnl {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def shell(self, code: str) -> str:
        """Run Python in this node's Django (its own database); returns stdout."""
        return self.cli("manage", "shell", "--no-imports", "-c", code).stdout

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kwargs)

    def _spawn(self, args: list[str], log_name: str, ready: str | None, timeout: float = 60):
        log = open(self.data_dir / log_name, "w+")
        proc = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, text=True)
        self.processes.append((proc, log))
        if ready is None:
            return proc
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                raise AssertionError(f"{self.name}: {' '.join(args)} exited:\n{log.read()[-4000:]}")
            log.seek(0)
            if ready in log.read():
                return proc
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: {' '.join(args)} not ready within {timeout}s")

    def start(self) -> "Node":
        self.cli("migrate", "--quiet")
        self._spawn_serve_and_worker()
        return self

    def stop(self) -> None:
        for proc, log in reversed(self.processes):
            proc.terminate()
        for proc, log in reversed(self.processes):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
        self.processes.clear()

    def restart(self) -> "Node":
        self.stop()
        self._spawn_serve_and_worker()
        return self

    def _spawn_serve_and_worker(self):
        broker = bool(self.env.get("CELERY_BROKER_URL"))
        if broker:
            self._spawn(["celery", "-A", "server", "worker", "--pool", "threads", "--concurrency", "8",
                         "--queues", self.env["CELERY_TASK_DEFAULT_QUEUE"], "--beat", "--schedule",
                         str(self.data_dir / "beat-schedule"), "--loglevel", "INFO", "--without-heartbeat",
                         "--without-mingle", "--without-gossip", "--hostname", f"{self.name}@%h"],
                        "worker.log", " ready.")
        self._spawn(["server.cli", "serve", "--bind", self.domain], "serve.log", "Serving WeerbaarNL node")

    def logs(self) -> str:
        out = []
        for name in ("serve.log", "worker.log"):
            path = self.data_dir / name
            if path.exists():
                out.append(f"--- {self.name} {name} ---\n{path.read_text()[-3000:]}")
        return "\n".join(out)


class Cluster:
    """Start with Cluster(tmp_path).add("a").add("b").start(); always call stop()."""

    def __init__(self, base_dir: Path, time_scale: float = 0.0005):
        self.base_dir = base_dir
        self.time_scale = time_scale
        self.nodes: dict[str, Node] = {}
        self._admin_db = os.environ.get("DATABASE_URL")
        self._broker = os.environ.get("CELERY_BROKER_URL")

    def add(self, name: str) -> "Cluster":
        host = f"127.0.0.{len(self.nodes) + 2}"
        data_dir = self.base_dir / name
        data_dir.mkdir(parents=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(PASSTHROUGH_PREFIXES)}
        node = Node(name=name, host=host, data_dir=data_dir, env=env)
        node.port = free_port(host)
        env.update({
            "WEERBAAR_DATA_DIR": str(data_dir),
            "WEERBAAR_URL": node.url,
            "WEERBAAR_FEDERATION_ALLOW_PRIVATE": "1",
            "WEERBAAR_DELIVERY_TIME_SCALE": str(self.time_scale),
        })
        if self._admin_db:
            node.database = f"wnl_cluster_{name}_{uuid.uuid4().hex[:8]}"
            base = self._admin_db.rsplit("/", 1)[0]
            self._psql(f'CREATE DATABASE "{node.database}"')
            env["DATABASE_URL"] = f"{base}/{node.database}"
            env["SECRET_KEY"] = uuid.uuid4().hex * 2
        if self._broker:
            env["CELERY_BROKER_URL"] = self._broker
            env["CELERY_TASK_DEFAULT_QUEUE"] = f"wnl-cluster-{name}-{uuid.uuid4().hex[:8]}"
        self.nodes[name] = node
        return self

    def _psql(self, sql: str) -> None:
        import psycopg

        base = self._admin_db.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def start(self) -> "Cluster":
        for node in self.nodes.values():
            node.start()
        return self

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()
        if self._admin_db:
            for node in self.nodes.values():
                if node.database:
                    self._psql(f'DROP DATABASE IF EXISTS "{node.database}" WITH (FORCE)')

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    def logs(self) -> str:
        return "\n".join(node.logs() for node in self.nodes.values())
