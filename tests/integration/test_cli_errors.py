"""Every ``flask --app bot`` command on a database it cannot use: one line, what to do, exit 1.

The real ``flask`` executable in a subprocess (what a newcomer types), on a
new SQLite file never migrated and on a PostgreSQL URL nobody listens on;
then every registered command is checked to go through the one guard.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest

from models.city import PROJECT_ROOT
from tests.conftest import TEST_KEY, build_app

FLASK = str(Path(sys.executable).parent / "flask")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free again once closed: nobody listens there


def _flask(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "DATABASE_URL": database_url,
           "DATA_ENCRYPTION_KEY": TEST_KEY, "LOG_LEVEL": "WARNING"}  # fmt: skip
    return subprocess.run([FLASK, "--app", "bot", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        ("schedule", "export", "--month", "2026-04"),
        ("contracts", "list"),
        ("staff", "unlock", "--login", "nobody"),
        ("sandbox", "seed"),
    ],
)
def test_a_command_on_a_database_never_migrated_says_to_run_db_upgrade(tmp_path, args):
    done = _flask(f"sqlite:///{tmp_path / 'new.sqlite'}", *args)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "flask --app bot db upgrade" in lines[0] and "Traceback" not in done.stderr
    assert "SELECT" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize("args", [("contracts", "list"), ("db", "upgrade")])
def test_a_command_on_an_unreachable_postgresql_says_to_check_database_url(args):
    url = f"postgresql://postgres:secret@127.0.0.1:{_closed_port()}/test"
    done = _flask(url, *args)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if not line.startswith("20")]
    assert len(errors) == 1, done.stderr  # (alembic's own start-up log lines aside)
    assert "check DATABASE_URL" in errors[0] and "Traceback" not in done.stderr
    assert "secret" not in done.stderr  # the password is not printed


def test_every_registered_command_goes_through_the_guard(database_url):
    app = build_app(database_url)
    try:
        ctx = click.Context(app.cli)
        names = app.cli.list_commands(ctx)
        assert {"db", "schedule", "staff", "sandbox", "contracts"} <= set(names)
        assert all(app.cli.get_command(ctx, n)._database_guarded for n in names)
    finally:
        app.extensions["event_processor"].shutdown()


def test_the_guard_answers_in_the_cli_runner_too(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'never.sqlite'}")
    try:
        result = app.test_cli_runner().invoke(args=["contracts", "list"])
    finally:
        app.extensions["event_processor"].shutdown()
    assert result.exit_code == 1
    assert "not migrated" in result.output and "flask --app bot db upgrade" in result.output


# --- issue 19: the sandbox notice names the port actually served -------------------


def _app_under(command_name: str, params: dict, monkeypatch, tmp_path, caplog):
    from bot import create_app

    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    command = click.Command(command_name, params=[])
    with click.Context(command) as ctx, caplog.at_level(logging.DEBUG, "myna_desk"):
        ctx.params.update(params)
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'n.sqlite'}",
                          "DATA_ENCRYPTION_KEY": TEST_KEY, "SCHEDULER": "off",
                          "LINE_CHANNEL_SECRET": "", "LINE_CHANNEL_ACCESS_TOKEN": "",
                          "TESTING": True})  # fmt: skip
    app.extensions["event_processor"].shutdown()
    return app


def test_flask_run_on_another_port_serves_the_simulator_there(monkeypatch, tmp_path, caplog):
    app = _app_under("run", {"port": 5123, "host": "127.0.0.1"}, monkeypatch, tmp_path, caplog)
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5123"
    assert "http://127.0.0.1:5123/sandbox" in caplog.text and ":5000" not in caplog.text


def test_other_commands_name_no_simulator_address(monkeypatch, tmp_path, caplog):
    _app_under("export", {}, monkeypatch, tmp_path, caplog)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not warnings and ":5000" not in caplog.text
