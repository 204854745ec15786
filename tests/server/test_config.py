"""Wrong configuration stops start-up with one line naming the variable and the fix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("WEERBAAR_", "DATABASE_URL", "CELERY_", "SECRET_KEY", "EMAIL_", "DJANGO_"))}


def run_cli(env_overrides, *args, tmp_path):
    env = dict(CLEAN, WEERBAAR_DATA_DIR=str(tmp_path / "data"))
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *(args or ["check"])],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"WEERBAAR_URL": "ftp://node.example"}, "WEERBAAR_URL"),
        ({"WEERBAAR_URL": "https://node.example/sub/path"}, "WEERBAAR_URL"),
        ({"WEERBAAR_URL": "http://node.example:99999"}, "WEERBAAR_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u@127.0.0.1:5432/db"}, "SECRET_KEY"),
        ({"DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": "postgres://u@127.0.0.1:5432/", "SECRET_KEY": "x" * 40}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "kafka://broker:9092"}, "CELERY_BROKER_URL"),
        ({"WEERBAAR_DEBUG": "maybe"}, "WEERBAAR_DEBUG"),
        ({"WEERBAAR_FEDERATION_ALLOW_PRIVATE": "sometimes"}, "WEERBAAR_FEDERATION_ALLOW_PRIVATE"),
        ({"WEERBAAR_LOGIN_MAX_FAILURES": "five"}, "WEERBAAR_LOGIN_MAX_FAILURES"),
        ({"WEERBAAR_LOG_LEVEL": "LOUD"}, "WEERBAAR_LOG_LEVEL"),
        ({"WEERBAAR_DATA_DIR": "/proc/weerbaarnl"}, "WEERBAAR_DATA_DIR"),
    ],
)
def test_bad_configuration_is_one_line_with_the_variable(env, variable, tmp_path):
    result = run_cli(env, "check", tmp_path=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("weerbaarnl: configuration error: ")
    assert variable in lines[0]
    assert "Traceback" not in result.stderr
    assert " set " in lines[0] or "set " in lines[0]  # it says what to do


def test_worker_without_broker_explains_embedded_mode(tmp_path):
    result = run_cli({}, "worker", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "CELERY_BROKER_URL" in result.stderr and "weerbaarnl serve" in result.stderr


def test_manage_py_reports_config_errors_the_same_way(tmp_path):
    env = dict(CLEAN, WEERBAAR_DATA_DIR=str(tmp_path), WEERBAAR_URL="gopher://x")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "WEERBAAR_URL" in result.stderr


def test_embedded_mode_generates_and_keeps_a_secret_key(tmp_path):
    first = run_cli({}, "manage", "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", tmp_path=tmp_path)
    second = run_cli({}, "manage", "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 40 and key == second.stdout.strip()
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text().strip() == key
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
