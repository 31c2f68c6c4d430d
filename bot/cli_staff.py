"""``flask --app bot staff create``: make a console account (the first one, too)."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup

from models.staff import CITY_OFFICIAL, GENERAL_MANAGER, SITE_MANAGER, WORKER

staff_cli = AppGroup("staff", help="Staff console accounts.")
ROLE_NAMES = {
    "manager": GENERAL_MANAGER,
    "site_manager": SITE_MANAGER,
    "worker": WORKER,
    "city_viewer": CITY_OFFICIAL,
}


def _date(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None


@staff_cli.command("create")
@click.option("--login", required=True, help="Login id (case-insensitive).")
@click.option("--name", required=True, help="The person's name as staff see it.")
@click.option("--role", required=True, type=click.Choice(list(ROLE_NAMES)))
@click.option(
    "--pledge-signed-on", callback=_date, help="Date the confidentiality pledge was signed."
)
@click.option("--approved", is_flag=True, help="Approved by the city (site managers).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(login, name, role, pledge_signed_on, approved, password_stdin) -> None:
    """Create a staff member and their console login."""
    from models.accounts import MIN_PASSWORD_LENGTH, create_account, find_account
    from models.audit import audit
    from models.db import db

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    with db.unit_of_work() as s:
        if find_account(s, login) is not None:
            raise click.ClickException(f"login {login!r} exists already")
        account = create_account(
            s, login=login, password=password, name=name, role=ROLE_NAMES[role],
            pledge_signed_on=pledge_signed_on, approved_by_city=approved,
        )  # fmt: skip
        audit(s, "cli", "create_account", f"staff:{account.staff_id}", role)
        s.commit()
        click.echo(f"created {account.login} ({role}, staff id {account.staff_id})")
    if pledge_signed_on is None:
        click.echo("note: without --pledge-signed-on this person cannot log in yet")


@staff_cli.command("unlock")
@click.option("--login", required=True, help="Login id whose login waits to clear.")
def unlock(login) -> None:
    """Clear the login waits of an account (after wrong passwords), as a manager would."""
    from models import login_throttle
    from models.accounts import find_account
    from models.audit import audit
    from models.db import db

    with db.unit_of_work() as s:
        account = find_account(s, login)
        if account is None:
            raise click.ClickException(f"no login {login!r}")
        cleared = login_throttle.clear_account(s, account.id)
        audit(s, "cli", "login_wait_reset", f"account:{account.id}", f"{cleared} counters")
        s.commit()
    click.echo(f"cleared {cleared} counter(s) of {account.login}")
