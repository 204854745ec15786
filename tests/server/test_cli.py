"""The `weerbaarnl` operator CLI."""

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from django.contrib.auth import get_user_model

from federation.models import Actor
from server.cli import build_parser, main, parse_bind

SUBCOMMANDS = ["serve", "worker", "beat", "migrate", "createadmin", "demo", "check", "manage"]


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert f"weerbaarnl {command}" in text
    assert len(text.splitlines()) >= 3


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([])
    assert exc.value.code == 2


def test_parse_bind():
    assert parse_bind("0.0.0.0:8080") == ("0.0.0.0", 8080)
    assert parse_bind("[::1]:8000") == ("::1", 8000)
    for bad in ("8000", "host:", "host:http", "host:70000"):
        with pytest.raises(Exception):
            parse_bind(bad)


@pytest.mark.django_db
def test_demo_is_idempotent_and_prints_the_login():
    code, out, _ = run("demo")
    assert code == 0
    assert "Demo administrator: beheerder / " in out
    password = out.split("beheerder / ", 1)[1].split()[0]
    counts = (Actor.objects.count(), get_user_model().objects.count())
    code, out2, _ = run("demo")
    assert code == 0 and f"beheerder / {password}" in out2
    assert (Actor.objects.count(), get_user_model().objects.count()) == counts
    admin = get_user_model().objects.get(username="beheerder")
    assert admin.is_superuser and admin.check_password(password)
    assert admin.actor.type == "Person"


@pytest.mark.django_db
def test_createadmin_with_password_from_environment(monkeypatch):
    monkeypatch.setenv("NEW_ADMIN_PASSWORD", "een-lang-wachtwoord-42")
    code, out, err = run("createadmin", "marieke", "--email", "marieke@example.org", "--password-env", "NEW_ADMIN_PASSWORD")
    assert code == 0, err
    user = get_user_model().objects.get(username="marieke")
    assert user.is_staff and user.is_superuser and user.check_password("een-lang-wachtwoord-42")
    assert Actor.objects.get(username="marieke").type == "Person"


@pytest.mark.django_db
def test_createadmin_refuses_a_taken_name_and_weak_password(monkeypatch):
    monkeypatch.setenv("PW", "een-lang-wachtwoord-42")
    assert run("createadmin", "marieke", "--password-env", "PW")[0] == 0
    code, _, err = run("createadmin", "marieke", "--password-env", "PW")
    assert code == 1 and "taken" in err
    monkeypatch.setenv("WEAK", "123")
    code, _, err = run("createadmin", "piet", "--password-env", "WEAK")
    assert code == 1
    assert not get_user_model().objects.filter(username="piet").exists()
    assert not Actor.objects.filter(username="piet").exists()


@pytest.mark.django_db
def test_createadmin_refuses_a_reserved_name(monkeypatch):
    monkeypatch.setenv("PW", "een-lang-wachtwoord-42")
    code, _, err = run("createadmin", "admin", "--password-env", "PW")
    assert code == 1 and "reserved" in err.lower()
    assert not get_user_model().objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_migrate_quiet_succeeds():
    assert run("migrate", "--quiet") == (0, "", "")


@pytest.mark.django_db
def test_check_passes_on_a_migrated_node():
    code, out, _ = run("check")
    assert code == 0, out
    assert "[ok  ] database" in out and "[ok  ] migrations: all applied" in out
    assert "All checks passed." in out


@pytest.mark.django_db
def test_check_fails_with_a_fix_when_the_broker_is_down(settings):
    settings.EMBEDDED_WORKER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    code, out, _ = run("check")
    assert code == 1
    assert "[FAIL] broker" in out and "fix: check CELERY_BROKER_URL" in out


@pytest.mark.django_db
def test_check_deploy_warns_about_console_email():
    code, out, _ = run("check", "--deploy")
    assert "e-mail" in out and "EMAIL_HOST" in out
    assert code == 1


def test_federation_help_lists_its_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["federation", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for action in ("block", "allow", "mode", "status", "follow", "unfollow", "approve", "reject"):
        assert action in out


@pytest.mark.django_db
def test_federation_follow_needs_a_local_actor():
    code, _, err = run("federation", "follow", "--as", "nobody", "@someone@social.example")
    assert code == 1 and "no local actor" in err


@pytest.mark.django_db
def test_commands_run_tasks_in_process_only_while_they_run(settings):
    from server.celery import app

    assert app.conf.task_always_eager is False
    assert run("federation", "status")[0] == 0
    assert app.conf.task_always_eager is False
