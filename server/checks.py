"""`weerbaarnl check`: configuration and services, each problem with its fix."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass
class Result:
    ok: bool
    what: str
    detail: str
    fix: str = ""
    warning: bool = False


def _migrations_pending() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def gather(deploy: bool = False) -> list[Result]:
    from .health import check_broker, check_database

    results = [Result(True, "public URL", settings.WEERBAAR_URL)]
    if settings.WEERBAAR_SCHEME != "https" and settings.WEERBAAR_HOST not in ("127.0.0.1", "localhost", "::1"):
        results.append(Result(
            False, "public URL", f"{settings.WEERBAAR_URL} is plain http on a public name",
            "set WEERBAAR_URL to the https address of the node; Mastodon and other servers refuse http.",
            warning=True,
        ))
    results.append(Result(True, "data directory", str(settings.DATA_DIR)))

    db_ok, db_detail = check_database()
    if db_ok:
        results.append(Result(True, "database", f"{db_detail} reachable"))
        pending = _migrations_pending()
        if pending:
            results.append(Result(False, "migrations", f"{len(pending)} not applied (first: {pending[0]})",
                                  "run: weerbaarnl migrate"))
        else:
            results.append(Result(True, "migrations", "all applied"))
    else:
        results.append(Result(False, "database", db_detail,
                              "check DATABASE_URL and that PostgreSQL runs and accepts the user"))

    broker_ok, broker_detail = check_broker()
    if broker_ok:
        results.append(Result(True, "broker", "embedded worker in `weerbaarnl serve`" if settings.EMBEDDED_WORKER
                              else f"{broker_detail} reachable"))
    else:
        results.append(Result(False, "broker", broker_detail,
                              "check CELERY_BROKER_URL and that Redis or RabbitMQ runs"))

    if not settings.EMAIL_HOST:
        results.append(Result(
            not deploy, "e-mail", "written to the console log (no EMAIL_HOST)",
            "set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) so password resets reach people",
            warning=not deploy,
        ))
    else:
        results.append(Result(True, "e-mail", f"SMTP via {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"))

    if settings.FEDERATION_ALLOW_PRIVATE:
        results.append(Result(
            False, "federation", "WEERBAAR_FEDERATION_ALLOW_PRIVATE is on: private addresses are federated with",
            "unset WEERBAAR_FEDERATION_ALLOW_PRIVATE unless this is a local test cluster", warning=True,
        ))
    if settings.DEBUG:
        results.append(Result(False, "debug", "WEERBAAR_DEBUG is on: errors show internals",
                              "unset WEERBAAR_DEBUG in production", warning=True))

    if deploy:
        from django.core import checks as django_checks

        for message in django_checks.run_checks(include_deployment_checks=True):
            if message.level >= django_checks.WARNING and not message.is_silenced():
                results.append(Result(False, f"django {message.id}", message.msg, message.hint or "",
                                      warning=message.level < django_checks.ERROR))
    return results


def run_checks(deploy: bool = False, out=None) -> bool:
    """Print each result; return False if anything that is not a warning failed."""
    import sys

    out = out or sys.stdout
    good = True
    for r in gather(deploy):
        mark = "ok  " if r.ok else ("warn" if r.warning else "FAIL")
        out.write(f"[{mark}] {r.what}: {r.detail}\n")
        if not r.ok and r.fix:
            out.write(f"       fix: {r.fix}\n")
        if not r.ok and not r.warning:
            good = False
    out.write("All checks passed.\n" if good else "Some checks failed; see the fixes above.\n")
    return good
