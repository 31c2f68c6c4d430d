"""One place that turns a missing or unreachable database into one line on the command line.

Every ``flask --app bot ...`` command goes through ``GuardedGroup`` (the
app's ``app.cli``): a database that was never migrated, or one that cannot
be reached, ends the command with a single line saying what to do and exit
status 1, instead of a traceback with SQL in it. The line names the
database without its password; the driver's own text is cut to its first
line (connection errors carry no personal data, statements are never shown).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError, NoSuchTableError, OperationalError, ProgrammingError

UPGRADE = "flask --app bot db upgrade"
# What drivers say when a table or column the code expects is not there.
_NOT_MIGRATED = ("no such table", "no such column", "does not exist", "undefinedtable",
                 "undefinedcolumn", "has no column named")  # fmt: skip


def _database_name() -> str:
    from flask import current_app
    from sqlalchemy.engine import make_url

    try:
        url = make_url(current_app.config["DATABASE_URL"])
        return url.render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for the message
        return "DATABASE_URL"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0][:200] if text else type(orig).__name__


def explain(exc: BaseException) -> str:
    """The one line for a database error: run the migrations, or check DATABASE_URL."""
    where = _database_name()
    detail = _first_line(exc)
    lowered = f"{type(getattr(exc, 'orig', exc)).__name__} {detail}".lower()
    if isinstance(exc, NoSuchTableError) or any(s in lowered for s in _NOT_MIGRATED):
        return (f"the database {where} is not migrated ({detail}); "
                f"run `{UPGRADE}` first")  # fmt: skip
    return (f"cannot use the database {where} ({detail}); check DATABASE_URL "
            "and that the database server is running")  # fmt: skip


DATABASE_ERRORS = (OperationalError, ProgrammingError, NoSuchTableError, DBAPIError)


def guard(command: click.Command) -> click.Command:
    """Wrap the command (a group wraps everything under it) once."""
    if getattr(command, "_database_guarded", False):
        return command
    invoke = command.invoke

    def guarded_invoke(ctx: click.Context):
        try:
            return invoke(ctx)
        except DATABASE_ERRORS as exc:
            raise click.ClickException(explain(exc)) from None

    command.invoke = guarded_invoke  # type: ignore[method-assign]
    command._database_guarded = True  # type: ignore[attr-defined]
    return command


class GuardedGroup(AppGroup):
    """``app.cli``: every command it hands out is guarded (``guard``)."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        return guard(command) if command is not None else None
