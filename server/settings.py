"""Django settings for a WeerbaarNL node.

Everything an operator sets comes from environment variables (read through server.config,
which turns bad values into one-line ConfigErrors). Each variable is documented here where it
is read and in docs/configuration.md.
"""

from pathlib import Path

import dj_database_url

from server import __version__

from federation.conf import toolkit_apps, toolkit_settings
from server.config import (
    ConfigError,
    data_dir,
    env_bool,
    env_float,
    env_int,
    env_str,
    parse_public_url,
    persisted_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
WEERBAAR_VERSION = __version__

# WEERBAAR_URL: public base URL of the node, scheme://host[:port]. Actor ids, links in e-mail
# and federation all derive from it; host and port of `weerbaarnl serve` default to it.
# Use https in production. Default http://127.0.0.1:8000 (embedded mode).
WEERBAAR_URL, WEERBAAR_SCHEME, WEERBAAR_HOST, WEERBAAR_PORT = parse_public_url(
    "WEERBAAR_URL", env_str("WEERBAAR_URL", "http://127.0.0.1:8000")
)
# The authority (host[:port]) used in acct: handles and activity ids.
WEERBAAR_DOMAIN = WEERBAAR_URL.split("://", 1)[1]

# WEERBAAR_DATA_DIR: directory for the embedded database, uploaded media and the generated
# secret key. Default var/ under the working directory. Must be writable.
DATA_DIR = data_dir("WEERBAAR_DATA_DIR", "var")

# WEERBAAR_DEBUG: Django debug mode (tracebacks in the browser). Never on in production.
DEBUG = env_bool("WEERBAAR_DEBUG", False)

# DATABASE_URL: where the data lives. Default: SQLite file in WEERBAAR_DATA_DIR (embedded).
# Production: postgres://USER:PASSWORD@HOST:5432/NAME (PostgreSQL through psycopg 3).
_default_db = f"sqlite:///{DATA_DIR / 'weerbaarnl.sqlite3'}"
_database_url = env_str("DATABASE_URL", _default_db)
if not _database_url.split(":", 1)[0] in ("sqlite", "postgres", "postgresql", "pgsql"):
    raise ConfigError(
        f"DATABASE_URL uses {_database_url.split(':', 1)[0]!r}, which is not supported; "
        "set DATABASE_URL to postgres://user:password@host:5432/name or leave it unset for SQLite."
    )
try:
    _db = dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
except Exception as exc:  # dj_database_url raises several exception types for bad URLs
    raise ConfigError(
        f"DATABASE_URL could not be read ({exc}); set it to postgres://user:password@host:5432/name."
    ) from None
USING_SQLITE = _db["ENGINE"] == "django.db.backends.sqlite3"
if USING_SQLITE:
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # The embedded server is multi-threaded: wait for locks instead of failing, take the
        # write lock at BEGIN so concurrent writers queue up, and let readers run during writes.
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not shared-cache memory, so the test thread and worker threads get
    # SQLite's normal locking (busy timeout) instead of "table is locked" errors.
    _db["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
elif not _db.get("NAME"):
    raise ConfigError("DATABASE_URL has no database name; set it to postgres://user:password@host:5432/NAME.")
DATABASES = {"default": _db}

# SECRET_KEY: signs sessions, password-reset links and CSRF tokens. Embedded (SQLite) nodes
# generate one and keep it in WEERBAAR_DATA_DIR/secret_key. Required in production
# (DEBUG off and PostgreSQL): a long random string, kept secret and stable across restarts.
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not USING_SQLITE:
        raise ConfigError(
            "SECRET_KEY is required with a PostgreSQL database; set SECRET_KEY to a long random "
            "string, e.g. the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = persisted_secret_key(DATA_DIR)
elif len(SECRET_KEY) < 32:
    raise ConfigError("SECRET_KEY is shorter than 32 characters; set SECRET_KEY to a long random string.")

# CELERY_BROKER_URL: the Celery message broker for background work (federation delivery,
# e-mail). Default: embedded, an in-process broker and worker inside `weerbaarnl serve`.
# Production: redis://HOST:6379/0 or amqp://USER:PASSWORD@HOST:5672// with `weerbaarnl worker`.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://localhost/")
if CELERY_BROKER_URL.split(":", 1)[0] not in ("memory", "redis", "rediss", "amqp", "amqps", "pyamqp"):
    raise ConfigError(
        f"CELERY_BROKER_URL uses {CELERY_BROKER_URL.split(':', 1)[0]!r}; set it to redis://host:6379/0, "
        "amqp://user:password@host:5672// or leave it unset for the embedded worker."
    )
EMBEDDED_WORKER = CELERY_BROKER_URL.startswith("memory:")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Keep a worker's database connection across tasks (Celery's Django fix-up otherwise closes it
# around every task: one new connection per delivery).
CELERY_DB_REUSE_MAX = 100
if EMBEDDED_WORKER:
    # The in-memory broker polls once a second when all threads are busy; poll quickly instead,
    # and let each thread take a few tasks at a time (acks stay late).
    CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"] = 0.01
    CELERY_WORKER_PREFETCH_MULTIPLIER = 4
# CELERY_TASK_DEFAULT_QUEUE: name of the queue tasks go to (default "weerbaarnl"). Separate
# nodes sharing one broker must use different queue names.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "weerbaarnl")
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# WEERBAAR_FEDERATION_ALLOW_PRIVATE: allow federation with loopback and private addresses over
# plain http. Only for local test clusters; never in production. Default off.
FEDERATION_ALLOW_PRIVATE = env_bool("WEERBAAR_FEDERATION_ALLOW_PRIVATE", False)
# WEERBAAR_SIGNATURE_WINDOW: seconds an HTTP signature's Date may differ from our clock, either
# way (default 3600). Older requests are refused as replays.
FEDERATION_SIGNATURE_WINDOW = env_int("WEERBAAR_SIGNATURE_WINDOW", 3600, minimum=30)
# WEERBAAR_AUTHORIZED_FETCH: secure mode. Object and collection GETs need an HTTP signature from
# a server that is not blocked (Mastodon's AUTHORIZED_FETCH). Default off.
FEDERATION_AUTHORIZED_FETCH = env_bool("WEERBAAR_AUTHORIZED_FETCH", False)
# WEERBAAR_DELIVERY_TIME_SCALE: multiplies every delivery retry delay and the give-up and
# unavailable windows (default 1). Only test clusters set it below 1, to compress days into seconds.
FEDERATION_DELIVERY_TIME_SCALE = env_float("WEERBAAR_DELIVERY_TIME_SCALE", 1.0, minimum=0.000001)
# Largest inbound request body accepted (bytes).
FEDERATION_MAX_BODY = 1024 * 1024

# WEERBAAR_EXTRA_HOSTS: comma-separated extra host names this node answers to besides the
# host of WEERBAAR_URL (e.g. an internal name used by a load balancer's health check).
ALLOWED_HOSTS = [WEERBAAR_HOST] + [
    h.strip() for h in (env_str("WEERBAAR_EXTRA_HOSTS", "") or "").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [WEERBAAR_URL]

# WEERBAAR_TRUST_PROXY: the node sits behind one TLS reverse proxy that sets X-Forwarded-For
# and X-Forwarded-Proto: `weerbaarnl serve` then takes the client address (used by login rate
# limiting) and scheme from them. Set it only when the node's port is reachable by the proxy
# alone, or clients could forge their address. Default off.
TRUST_PROXY = env_bool("WEERBAAR_TRUST_PROXY", False)
if TRUST_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False

if WEERBAAR_SCHEME == "https":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # WEERBAAR_HSTS_SECONDS: Strict-Transport-Security max-age for https nodes (default one year;
    # 0 switches it off).
    SECURE_HSTS_SECONDS = env_int("WEERBAAR_HSTS_SECONDS", 31536000, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "server.apps.ServerConfig",
    "server.accounts.apps.AccountsConfig",
    *toolkit_apps(),
    "federation.apps.FederationConfig",
    "groups.apps.GroupsConfig",
    "capabilities.apps.CapabilitiesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "server.urls"
WSGI_APPLICATION = "server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "server.context_processors.node",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# WEERBAAR_LOGIN_MAX_FAILURES / WEERBAAR_LOGIN_LOCKOUT_MINUTES: after this many failed logins
# for one account name or from one address within the window, further attempts are refused
# until the window has passed (defaults 5 and 15).
LOGIN_MAX_FAILURES = env_int("WEERBAAR_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("WEERBAAR_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

# Dutch first, English second.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # only used by an optional `weerbaarnl manage collectstatic`
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served by WhiteNoise straight from the source tree: no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# E-mail. EMAIL_HOST: SMTP server for outgoing mail (password resets, approvals). Unset: mail
# is written to the console log (embedded mode). EMAIL_PORT (default 587), EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS (default on) and DEFAULT_FROM_EMAIL complete it.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"WeerbaarNL <noreply@{WEERBAAR_HOST}>")

# WEERBAAR_LOG_LEVEL: log level of the node's own loggers (default INFO).
LOG_LEVEL = (env_str("WEERBAAR_LOG_LEVEL", "INFO") or "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ConfigError(f"WEERBAAR_LOG_LEVEL={LOG_LEVEL!r} is unknown; set it to DEBUG, INFO, WARNING or ERROR.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        name: {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}
        for name in ("server", "federation", "groups", "capabilities")
    },
}

# The toolkit's own settings (base URL, bundled contexts); federation/ owns them.
FEDERATION = toolkit_settings(WEERBAAR_URL)
