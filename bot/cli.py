"""Command-line tools: ``flask --app bot <group> <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from models.crypto import Keyring

db_cli = AppGroup("db", help="Database schema.")
keys_cli = AppGroup("keys", help="Encryption keys for personal data.")
line_cli = AppGroup("line", help="LINE channel setup.")
outbox_cli = AppGroup("outbox", help="Outbound message queue.")
contracts_cli = AppGroup("contracts", help="Contract periods of the support contract.")


def alembic_config():
    from alembic.config import Config

    from models.city import PROJECT_ROOT

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = current_app.config["DATABASE_URL"]
    return cfg


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (the same as the release phase)."""
    from alembic import command

    command.upgrade(alembic_config(), "head")
    click.echo("database is at the latest revision")


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new key for DATA_ENCRYPTION_KEY."""
    click.echo(Keyring.generate())


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt all personal data with the first key of DATA_ENCRYPTION_KEY."""
    from models.audit import audit
    from models.db import db
    from models.rotation import rotate_all

    with db.unit_of_work() as s:
        n = rotate_all(s)
        audit(s, "cli", "rotate", "all", f"{n} rows re-encrypted")
        s.commit()
    click.echo(f"re-encrypted {n} rows with the primary key")


@line_cli.command("setup-richmenu")
def setup_richmenu() -> None:
    """Register the rich menu (definition + image) and make it the default."""
    from bot.line.richmenu import definition, image_bytes

    client = current_app.extensions["delivery"].line_client()
    menu_id = client.create_rich_menu(definition(), image_bytes())
    click.echo(f"rich menu {menu_id} registered at {client.base_url} and set as default")


@line_cli.command("draw-richmenu")
@click.option("--font", help="A CJK font file (default: Noto Sans CJK from fonts-noto-cjk).")
def draw_richmenu(font: str | None) -> None:
    """Redraw bot/line/richmenu.png from the definition's labels."""
    from bot.line.richmenu import IMAGE_PATH, draw

    IMAGE_PATH.write_bytes(draw(font))
    click.echo(f"wrote {IMAGE_PATH}")


@outbox_cli.command("deliver")
def outbox_deliver() -> None:
    """Send every due message now (the clock does this every few seconds)."""
    sent = current_app.extensions["delivery"].deliver()
    click.echo(f"sent {sent}")


@contracts_cli.command("seed")
def contracts_seed() -> None:
    """Add the city.yaml ``contracts:`` periods the database lacks (the console's data wins)."""
    from models.audit import audit
    from models.contracts import seed_from_city
    from models.db import db

    with db.unit_of_work() as s:
        added = seed_from_city(s)
        for period in added:
            audit(s, "cli", "create", f"contract:{period.id}", f"{period.name} from city.yaml")
        s.commit()
        names = ", ".join(p.name for p in added) or "none"
    click.echo(f"contract periods added: {names}")


@contracts_cli.command("list")
def contracts_list() -> None:
    """Every contract period, the latest first; the current one is marked."""
    from models.contracts import current_period, list_periods
    from models.db import db

    with db.reader() as s:
        current = current_period(s)
        for p in list_periods(s):
            mark = "*" if current and p.id == current.id else " "
            click.echo(f"{mark} {p.id:>3} {p.name} {p.starts_on}..{p.ends_on}")


def register(app: Flask) -> None:
    from bot.cli_data import data_cli
    from bot.cli_faq import faq_cli

    for group in (db_cli, keys_cli, line_cli, outbox_cli, contracts_cli, faq_cli, data_cli):
        app.cli.add_command(group)
