"""fediverse-pasture as a peer process: its own Python environment, and the running actor.

fediverse-pasture needs bovine, and bovine 0.5.19 caps `cryptography<46` and `pyld<3`: installed
next to this project it would downgrade both for the node under test (and for `make run`, which
shares the virtual environment). So the peer gets a virtual environment of its own, built once
from PyPI with the pinned versions below and kept in the user's cache directory; set
WEERBAAR_INTEROP_PEER_PYTHON to use an interpreter that has them already.

The peer is a separate process (peer.py) on a loopback address; it is driven only over HTTP and
through the files it writes (see peer.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

PEER_REQUIREMENTS = ("fediverse-pasture==0.2.25", "bovine==0.5.19")
PYTHON_ENV = "WEERBAAR_INTEROP_PEER_PYTHON"
PEER_SCRIPT = Path(__file__).resolve().parent / "peer.py"
IMPORT_CHECK = "import fediverse_pasture.server, bovine, hypercorn, quart"
INSTALL_TIMEOUT = 900


class PeerUnavailable(Exception):
    """No Python with fediverse-pasture could be found or installed; the message says why."""


def _importable(python: Path) -> bool:
    try:
        return subprocess.run([str(python), "-c", IMPORT_CHECK], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _venv_dir() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    spec = hashlib.sha256(" ".join(PEER_REQUIREMENTS).encode()).hexdigest()[:12]
    return cache / "weerbaarnl" / "interop" / f"pasture-{spec}-py{sys.version_info[0]}.{sys.version_info[1]}"


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on `path`, so parallel test runs build the environment once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def peer_python() -> Path:
    """A Python interpreter that can run peer.py; builds the cached environment when needed.

    Raises PeerUnavailable with pip's complaint when it cannot be built (e.g. offline)."""
    override = os.environ.get(PYTHON_ENV)
    if override:
        if not _importable(Path(override)):
            raise PeerUnavailable(f"{PYTHON_ENV}={override} cannot `{IMPORT_CHECK}`")
        return Path(override)
    venv = _venv_dir()
    python = venv / "bin" / "python"
    with _locked(venv.with_name(venv.name + ".lock")):
        if (venv / ".complete").exists() and _importable(python):
            return python
        shutil.rmtree(venv, ignore_errors=True)
        steps = ([sys.executable, "-m", "venv", str(venv)],
                 [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
                  *PEER_REQUIREMENTS])
        for step in steps:
            try:
                result = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise PeerUnavailable(f"{' '.join(step[-3:])}: {exc}") from None
            if result.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise PeerUnavailable(f"`{' '.join(step)}` failed:\n{(result.stdout + result.stderr)[-2000:]}")
        if not _importable(python):
            raise PeerUnavailable(f"installed {', '.join(PEER_REQUIREMENTS)} in {venv} but cannot `{IMPORT_CHECK}`")
        (venv / ".complete").write_text(" ".join(PEER_REQUIREMENTS) + "\n")
    return python


def _read_jsonl(path: Path) -> list[dict]:
    """The complete lines of a JSON-lines file the peer may be appending to."""
    if not path.exists():
        return []
    lines = path.read_text().split("\n")[:-1]  # the part after the last newline may be half written
    return [json.loads(line) for line in lines if line.strip()]


@dataclass
class PastureActor:
    """fediverse-pasture serving "alice" at http://HOST:PORT/alice (signed GETs and POSTs only)
    and its public application actor at /actor, which signs the peer's own fetches."""

    python: Path
    host: str
    port: int
    state: Path
    processes: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def actor_id(self) -> str:
        return f"{self.url}/alice"

    @property
    def inbox_url(self) -> str:
        return f"{self.actor_id}/inbox"

    def start(self, timeout: float = 30) -> "PastureActor":
        self.state.mkdir(parents=True, exist_ok=True)
        log = (self.state / "peer.log").open("w")
        proc = subprocess.Popen(
            [str(self.python), str(PEER_SCRIPT), "serve", "--host", self.host, "--port", str(self.port),
             "--state", str(self.state)],
            cwd=self.state, stdout=log, stderr=subprocess.STDOUT)  # bovine keeps a context cache in its cwd
        self.processes.append((proc, log))
        webfinger = f"{self.url}/.well-known/webfinger?resource=acct:alice@{self.host}:{self.port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"the pasture peer exited:\n{self.log()}")
            try:
                if requests.get(webfinger, timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the pasture peer did not answer within {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        for proc, log in self.processes:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
        self.processes.clear()

    def send(self, inbox: str, *, follow: str | None = None, undo: dict | None = None,
             activity: dict | None = None) -> dict:
        """Have the peer POST to `inbox`, signed by bovine as its actor: a Follow of `follow` or an
        Undo of `undo` (built by bovine), or `activity` as given. {"status", "body", "activity"}."""
        (option, value), = ((k, v) for k, v in (("--follow", follow), ("--undo", undo), ("--activity", activity))
                            if v is not None)
        result = subprocess.run(
            [str(self.python), str(PEER_SCRIPT), "send", "--state", str(self.state), "--actor-id", self.actor_id,
             "--inbox", inbox, option, value if isinstance(value, str) else json.dumps(value)],
            cwd=self.state, capture_output=True, text=True, timeout=60)
        lines = result.stdout.strip().splitlines()
        if not lines:
            raise AssertionError(f"peer send printed nothing:\n{result.stderr[-3000:]}")
        return json.loads(lines[-1])

    def requests(self) -> list[dict]:
        """The requests the peer answered: method, path, status, signed."""
        return _read_jsonl(self.state / "requests.jsonl")

    def inbox(self) -> list[dict]:
        """The activities the peer's inbox accepted, i.e. whose signature it verified."""
        return _read_jsonl(self.state / "inbox.jsonl")

    def unresolved_contexts(self) -> list[str]:
        """JSON-LD contexts bovine needed but could not load (it would have fetched them)."""
        return [entry["url"] for entry in _read_jsonl(self.state / "contexts.jsonl")]

    def public_key_pem(self) -> str:
        return json.loads((self.state / "actor.json").read_text())["key_pairs"][0]["public"]

    def log(self) -> str:
        path = self.state / "peer.log"
        return f"--- pasture peer log ---\n{path.read_text()[-4000:]}" if path.exists() else ""
