"""``flask --app bot api-token create|list|revoke``: staff API tokens with a role and an expiry."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from models.api_tokens import MAX_DAYS, ROLES

api_token_cli = AppGroup("api-token", help="Staff API tokens (name, role, expiry).")


@api_token_cli.command("create")
@click.option("--name", required=True, help="Who or what uses it (unique; shown in the audit log).")
@click.option("--role", required=True, type=click.Choice(ROLES),
              help="read_schedule < write_schedule < personal_data (each includes the one before).")
@click.option("--days", required=True, type=click.IntRange(1, MAX_DAYS), help="Valid for N days.")
def create(name: str, role: str, days: int) -> None:
    """Create a token and print it once (only its hash is kept)."""
    from models.api_tokens import by_name, create_token
    from models.audit import audit
    from models.base import utcnow
    from models.db import db

    if not name.isascii() or not name.strip() or len(name) > 60:
        raise click.ClickException("--name: 1-60 ASCII characters")
    with db.unit_of_work() as s:
        if by_name(s, name) is not None:
            raise click.ClickException(f"a token named {name!r} exists already")
        value = create_token(s, name, role, days, utcnow())
        audit(s, "cli", "api_token_created", f"api:{name}", f"{role}, {days} days")
        s.commit()
    click.echo(value)
    click.echo(f"created {name!r} ({role}, {days} days); it is not shown again", err=True)


@api_token_cli.command("list")
def list_tokens() -> None:
    """Name, role, status and dates of every token (never the value)."""
    from models.api_tokens import all_tokens
    from models.base import utcnow
    from models.db import db

    now = utcnow()
    with db.reader() as s:
        for t in all_tokens(s):
            click.echo(f"{t.name}\t{t.role}\t{t.status(now)}\tcreated {t.created_at:%Y-%m-%d}"
                       f"\texpires {t.expires_at:%Y-%m-%d}")  # fmt: skip


@api_token_cli.command("revoke")
@click.option("--name", required=True)
def revoke(name: str) -> None:
    """Revoke a token at once (kept in the list as revoked)."""
    from models.api_tokens import by_name
    from models.audit import audit
    from models.base import utcnow
    from models.db import db

    with db.unit_of_work() as s:
        token = by_name(s, name)
        if token is None:
            raise click.ClickException(f"no token named {name!r}")
        token.revoked_at = token.revoked_at or utcnow()
        audit(s, "cli", "api_token_revoked", f"api:{name}")
        s.commit()
    click.echo(f"revoked {name!r}")
