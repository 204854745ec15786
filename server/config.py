"""Reading configuration from the environment.

Every setting of the node comes from an environment variable; `docs/configuration.md` lists
them all. A wrong or missing value raises `ConfigError`, whose message is one line naming the
variable and the fix. The entry points (CLI, manage.py, WSGI/ASGI, Celery) print that line and
exit instead of showing a traceback.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A configuration value is missing or wrong. The message is shown to the operator."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value; set {name} to 1 or 0.")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number; set {name} to e.g. {default}.") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} is too small; set {name} to {minimum} or more.")
    return number


def env_float(name: str, default: float, minimum: float | None = None) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number; set {name} to e.g. {default}.") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} is too small; set {name} to {minimum} or more.")
    return number


def parse_public_url(name: str, value: str) -> tuple[str, str, str, int | None]:
    """Split the node's public base URL into (url, scheme, host, port)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{name}={value!r} is not an http(s) URL; set {name} to the node's public address, "
            "e.g. https://weerbaar.example.nl"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(
            f"{name}={value!r} has a path; the node must run at the root of its host: "
            f"set {name} to scheme://host[:port] only."
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"{name}={value!r} has an invalid port; set {name} to e.g. http://127.0.0.1:8000") from None
    url = f"{parts.scheme}://{parts.netloc.lower()}"
    return url, parts.scheme, parts.hostname.lower(), port


def data_dir(name: str = "WEERBAAR_DATA_DIR", default: str = "var") -> Path:
    path = Path(env_str(name, default)).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{name}={str(path)!r} cannot be created ({exc.strerror}); "
            f"set {name} to a writable directory."
        ) from None
    if not os.access(path, os.W_OK):
        raise ConfigError(f"{name}={str(path)!r} is not writable; set {name} to a writable directory.")
    return path


def persisted_secret_key(directory: Path) -> str:
    """The secret key kept in the data directory, generated on first use (embedded mode)."""
    key_file = directory / "secret_key"
    if key_file.exists():
        key = key_file.read_text().strip()
        if len(key) >= 32:
            return key
    key = secrets.token_urlsafe(50)
    # Create with owner-only permissions before writing the secret.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def exit_on_config_error(func):
    """Decorator for entry points: print a ConfigError as one line and exit with status 2."""

    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            sys.stderr.write(f"weerbaarnl: configuration error: {exc}\n")
            raise SystemExit(2) from None

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def load_settings_or_exit() -> None:
    """Import Django settings now, turning a ConfigError into one line and exit status 2."""
    import django
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - forces the settings module to load
    except ConfigError as exc:
        sys.stderr.write(f"weerbaarnl: configuration error: {exc}\n")
        raise SystemExit(2) from None
    django.setup()
