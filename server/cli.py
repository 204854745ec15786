"""`weerbaarnl`: the operator's command-line tool (like Mastodon's tootctl).

Each subcommand wraps Django management or Celery. Configuration comes from the environment
(docs/configuration.md); a configuration error is printed as one line, exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys

from .config import ConfigError, load_settings_or_exit

DEFAULT_BIND = "127.0.0.1:8000"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    load_settings_or_exit()
    from django.utils import translation

    # The operator's tool speaks English, like its --help; the web UI is Dutch first.
    translation.activate("en")


def _call(command: str, *args, **options) -> None:
    from django.core.management import call_command

    call_command(command, *args, **options)


def parse_bind(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not (0 < int(port) < 65536):
        raise argparse.ArgumentTypeError(f"{value!r} is not HOST:PORT, e.g. 127.0.0.1:8000")
    return host.strip("[]") or "127.0.0.1", int(port)


def default_bind() -> str:
    """WEERBAAR_BIND, else host:port of a plain-http WEERBAAR_URL, else 127.0.0.1:8000."""
    from django.conf import settings

    explicit = os.environ.get("WEERBAAR_BIND")
    if explicit:
        return explicit
    if settings.WEERBAAR_SCHEME == "http":
        return f"{settings.WEERBAAR_HOST}:{settings.WEERBAAR_PORT or 80}"
    return DEFAULT_BIND


# --- subcommands -----------------------------------------------------------------------------


def cmd_serve(args) -> int:
    _setup()
    from django.conf import settings
    from waitress.server import create_server

    from .wsgi import application

    bind = args.bind or default_bind()
    try:
        host, port = parse_bind(bind)
    except argparse.ArgumentTypeError as exc:
        raise ConfigError(f"WEERBAAR_BIND / --bind: {exc}") from None

    worker = None
    if settings.EMBEDDED_WORKER and not args.no_worker:
        from .worker import EmbeddedWorker

        worker = EmbeddedWorker(concurrency=args.worker_threads).start()
    elif not settings.EMBEDDED_WORKER:
        print("Background work goes to the broker; run `weerbaarnl worker` beside this process.")
    proxy_options = {}
    if settings.TRUST_PROXY:
        # Behind the TLS reverse proxy: take the client address and scheme from its
        # X-Forwarded-For / X-Forwarded-Proto (one hop). Waitress drops them otherwise.
        proxy_options = {
            "trusted_proxy": "*",
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            "clear_untrusted_proxy_headers": True,
        }
    try:
        server = create_server(
            application, host=host, port=port, threads=args.threads, ident="weerbaarnl", **proxy_options
        )
    except OSError as exc:
        if worker:
            worker.stop()
        print(
            f"weerbaarnl: cannot listen on {host}:{port} ({exc.strerror}); stop the other process "
            "using it or choose another address with --bind HOST:PORT.",
            file=sys.stderr,
        )
        return 1
    print(f"Serving WeerbaarNL node {settings.WEERBAAR_URL} (listening on {host}:{port}); Ctrl-C stops.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if worker:
            worker.stop()
    return 0


def cmd_worker(args) -> int:
    _setup()
    from django.conf import settings

    from .celery import app

    if settings.EMBEDDED_WORKER:
        raise ConfigError(
            "CELERY_BROKER_URL is not set, so background work runs inside `weerbaarnl serve`; "
            "set CELERY_BROKER_URL=redis://host:6379/0 (or amqp://...) to run separate workers."
        )
    argv = [
        "worker", "--loglevel", args.loglevel, "--queues", settings.CELERY_TASK_DEFAULT_QUEUE,
        "--concurrency", str(args.concurrency),
    ]
    if args.beat:
        argv += ["--beat", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME]
    app.worker_main(argv)
    return 0


def cmd_beat(args) -> int:
    _setup()
    from django.conf import settings

    from .celery import app

    if settings.EMBEDDED_WORKER:
        raise ConfigError(
            "CELERY_BROKER_URL is not set, so periodic work runs inside `weerbaarnl serve`; "
            "set CELERY_BROKER_URL to run beat separately."
        )
    app.start(["beat", "--loglevel", args.loglevel, "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME])
    return 0


def cmd_migrate(args) -> int:
    _setup()
    _call("migrate", interactive=False, verbosity=0 if args.quiet else 1)
    return 0


def cmd_createadmin(args) -> int:
    _setup()
    from .accounts.services import AccountError, create_admin

    password = os.environ.get(args.password_env) if args.password_env else None
    if args.password_env and not password:
        raise ConfigError(f"{args.password_env} is empty; set it to the new administrator's password.")
    if password is None:
        import getpass

        if not sys.stdin.isatty():
            print("weerbaarnl: no terminal to ask for a password; use --password-env VARIABLE.", file=sys.stderr)
            return 1
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            print("weerbaarnl: the passwords differ; nothing was created.", file=sys.stderr)
            return 1
    try:
        user = create_admin(args.username, args.email, password)
    except AccountError as exc:
        print(f"weerbaarnl: {exc}", file=sys.stderr)
        return 1
    print(f"Administrator {user.username} created; log in at /accounts/login/.")
    return 0


def cmd_demo(args) -> int:
    _setup()
    from .demo import load_demo

    result = load_demo()
    from django.conf import settings

    print(f"Demo node: {settings.WEERBAAR_URL}")
    print(f"Demo administrator: {result.admin_username} / {result.admin_password}")
    return 0


def cmd_check(args) -> int:
    _setup()
    from .checks import run_checks

    return 0 if run_checks(deploy=args.deploy, out=sys.stdout) else 1


def cmd_federation(args) -> int:
    _setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("federation", *args.arguments)
    except CommandError as exc:
        print(f"weerbaarnl federation: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_manage(args) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["weerbaarnl manage", *args.arguments])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="weerbaarnl",
        description="Run and administer a WeerbaarNL node. Configuration comes from environment "
        "variables; see docs/configuration.md.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("serve", help="serve the node over HTTP", description=(
        "Serve the node with the waitress WSGI server. With no CELERY_BROKER_URL, a background "
        "worker and scheduler run inside this process (embedded mode). Put a TLS reverse proxy "
        "in front of it in production."))
    p.add_argument("--bind", metavar="HOST:PORT", help="address to listen on (default: WEERBAAR_BIND, "
                   "else host and port of an http WEERBAAR_URL, else 127.0.0.1:8000)")
    p.add_argument("--no-worker", action="store_true", help="do not start the embedded background worker")
    p.add_argument("--threads", type=int, default=8, help="HTTP worker threads (default 8)")
    p.add_argument("--worker-threads", type=int, default=4, help="embedded worker threads (default 4)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run a Celery worker (production)", description=(
        "Run a Celery worker on CELERY_BROKER_URL. Start as many as needed; give exactly one of "
        "them --beat (or run `weerbaarnl beat` once) for the periodic retry tasks."))
    p.add_argument("--beat", action="store_true", help="also run the periodic scheduler in this worker")
    p.add_argument("--concurrency", type=int, default=os.cpu_count() or 2, help="worker processes")
    p.add_argument("--loglevel", default="INFO", help="log level (default INFO)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("beat", help="run the periodic scheduler alone (production)",
                       description="Run Celery beat: triggers the periodic retry tasks. Run exactly one.")
    p.add_argument("--loglevel", default="INFO")
    p.set_defaults(func=cmd_beat)

    p = sub.add_parser("migrate", help="create or upgrade the database schema",
                       description="Apply database migrations. Safe to run on every start.")
    p.add_argument("--quiet", action="store_true", help="print nothing unless something fails")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("createadmin", help="create an administrator account",
                       description="Create an administrator (staff and superuser) with a Person actor.")
    p.add_argument("username")
    p.add_argument("--email", default="", help="e-mail address for password resets")
    p.add_argument("--password-env", metavar="VARIABLE",
                   help="read the password from this environment variable instead of asking")
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser("demo", help="load the demo region (idempotent)", description=(
        "Load a demo veiligheidsregio with groups, organisations and a demo administrator, and "
        "print its login. Running it again changes nothing that exists."))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("check", help="check configuration and services", description=(
        "Check configuration, database, migrations, broker and e-mail; print a fix for each problem. "
        "Exit status 1 when something needs fixing."))
    p.add_argument("--deploy", action="store_true", help="also run Django's production checks")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("federation", help="federation: blocks, allow-list, peers, follows", add_help=False,
                       prefix_chars="+",
                       description="Manage federation; `weerbaarnl federation --help` lists the subcommands.")
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_federation)

    p = sub.add_parser("manage", help="run any Django management command",
                       description="Pass the remaining arguments to Django's manage.py.")
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


# Commands that run (or are) the background worker themselves.
WORKER_COMMANDS = {"serve", "worker", "beat"}


def _run(args) -> int:
    """Run a subcommand. In embedded mode the broker lives in the memory of `weerbaarnl serve`,
    so a task sent from any other command (e.g. the deliveries of `federation follow`) would
    never reach a worker: those commands run their tasks in-process, when they are sent."""
    if args.command in WORKER_COMMANDS:
        return args.func(args) or 0
    from .celery import app

    eager = app.conf.task_always_eager
    try:
        from django.conf import settings

        app.conf.task_always_eager = eager or settings.EMBEDDED_WORKER
    except ConfigError:
        pass  # reported by the command's own setup
    try:
        return args.func(args) or 0
    finally:
        app.conf.task_always_eager = eager


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except ConfigError as exc:
        sys.stderr.write(f"weerbaarnl: configuration error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
