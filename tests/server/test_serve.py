"""End to end: what `make run` does, on a fresh data directory, over real HTTP."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("WEERBAAR_", "DATABASE_URL", "CELERY_", "SECRET_KEY", "EMAIL_", "DJANGO_"))}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args, env, timeout=120):
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


class Served:
    def __init__(self, env, bind):
        self.url = f"http://{bind}"
        self.log = open(Path(env["WEERBAAR_DATA_DIR"]) / "serve.log", "w+")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--bind", bind],
                                     cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                pytest.fail(f"serve exited: {self.log.read()[-3000:]}")
            self.log.seek(0)
            if "Serving WeerbaarNL node" in self.log.read():
                self.seconds_to_serving = time.monotonic() - self.started
                return
            time.sleep(0.05)
        pytest.fail("serve did not start within 60 s")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture
def embedded_node(tmp_path):
    port = free_port()
    env = dict(CLEAN, WEERBAAR_DATA_DIR=str(tmp_path), WEERBAAR_URL=f"http://127.0.0.1:{port}")
    for step in (["migrate", "--quiet"], ["demo"]):
        result = cli(*step, env=env)
        assert result.returncode == 0, result.stderr
    node = Served(env, f"127.0.0.1:{port}")
    yield node
    node.stop()


def test_embedded_node_serves_pages_nodeinfo_and_health(embedded_node):
    base = embedded_node.url
    home = requests.get(base + "/", timeout=10)
    assert home.status_code == 200
    assert '<html lang="nl">' in home.text
    assert "Hoogwater en evacuatie" in home.text and "Rode Kruis Utrecht" in home.text

    health = requests.get(base + "/healthz", timeout=10)
    assert health.status_code == 200
    assert health.json()["broker"] == {"ok": True, "detail": "embedded"}

    links = requests.get(base + "/.well-known/nodeinfo", timeout=10).json()["links"]
    doc = requests.get(links[0]["href"], timeout=10).json()
    assert doc["software"]["name"] == "weerbaarnl"
    assert doc["metadata"]["nodeRegion"] == "VR09"

    css = requests.get(base + "/static/css/weerbaarnl.css", timeout=10)
    assert css.status_code == 200 and "--wnl-color-primary" in css.text

    # Unknown hosts are refused (Host header checking is on).
    assert requests.get(base + "/", headers={"Host": "evil.example"}, timeout=10).status_code == 400


def test_health_is_503_when_the_database_is_down(tmp_path):
    port = free_port()
    env = dict(CLEAN, WEERBAAR_DATA_DIR=str(tmp_path), WEERBAAR_URL=f"http://127.0.0.1:{port}",
               DATABASE_URL="postgres://nobody@127.0.0.1:1/none", SECRET_KEY="k" * 50,
               CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    node = Served(env, f"127.0.0.1:{port}")
    try:
        response = requests.get(node.url + "/healthz", timeout=30)
    finally:
        node.stop()
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is False and body["broker"]["ok"] is False


def test_second_bind_on_a_used_port_fails_clearly(embedded_node, tmp_path):
    host, port = embedded_node.url.split("//")[1].split(":")
    env = dict(CLEAN, WEERBAAR_DATA_DIR=str(tmp_path / "other"), WEERBAAR_URL=embedded_node.url)
    result = cli("serve", "--no-worker", "--bind", f"{host}:{port}", env=env, timeout=60)
    assert result.returncode == 1
    assert "cannot listen" in result.stderr and "--bind" in result.stderr


def test_behind_a_tls_proxy_the_forwarded_scheme_is_trusted(tmp_path):
    port = free_port()
    env = dict(CLEAN, WEERBAAR_DATA_DIR=str(tmp_path), WEERBAAR_URL=f"https://127.0.0.1:{port}",
               WEERBAAR_TRUST_PROXY="1")
    assert cli("migrate", "--quiet", env=env).returncode == 0
    node = Served(env, f"127.0.0.1:{port}")
    try:
        via_proxy = requests.get(node.url + "/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        direct = requests.get(node.url + "/healthz", timeout=10)
    finally:
        node.stop()
    assert via_proxy.status_code == 200
    # Django saw https (forwarded by the trusted proxy): HSTS is sent; a plain request gets none.
    assert "max-age=31536000" in via_proxy.headers.get("Strict-Transport-Security", "")
    assert "Strict-Transport-Security" not in direct.headers
