"""``flask --app bot sandbox chat``: talk to the bot as a LINE user in a terminal.

The app is served on a free loopback port in a background thread (so the
LINE stand-in is reachable exactly as in the browser simulator); each line
you type becomes a signed webhook event. A number picks a button of the
last reply; ``/follow``, ``/unfollow``, ``/image`` send those events;
``/quit`` ends. The sandbox database is migrated first, so the command works
on a fresh checkout.
"""

from __future__ import annotations

import secrets
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup
from werkzeug.serving import make_server

from bot.sandbox.simulator import build_event, post_signed
from models.db import db
from models.sandbox import issue_reply_token, line_requests_since

sandbox_cli = AppGroup("sandbox", help="Sandbox tools (no LINE account needed).")


def _show(messages: list[dict]) -> list[dict]:
    """Print messages; return the actions of the last quick reply or card buttons."""
    actions: list[dict] = []
    for m in messages:
        if m.get("type") == "text":
            click.echo(click.style("bot> ", fg="green") + m["text"].replace("\n", "\n     "))
        elif m.get("type") == "flex":
            bubbles = m["contents"].get("contents", [m["contents"]])
            for bubble in bubbles:
                lines = [c.get("text", "") for c in bubble.get("body", {}).get("contents", [])]
                click.echo("     [" + " / ".join(lines) + "]")
                for c in (bubble.get("footer") or {}).get("contents", []):
                    actions.append(c["action"])
        if m.get("quickReply"):
            actions += [i["action"] for i in m["quickReply"]["items"]]
    for n, action in enumerate(actions, start=1):
        click.echo(f"     {n}) {action.get('label')}")
    return actions


def _bring_schema_up_to_date() -> None:
    """The sandbox database is ours to migrate (``scripts/run`` does the same)."""
    from alembic import command

    from bot.cli import alembic_config

    command.upgrade(alembic_config(), "head")


@sandbox_cli.command("chat")
@click.option("--user", default=None, help="LINE user id to act as (default: a new one).")
def chat(user: str | None) -> None:
    """Chat with the bot in this terminal."""
    app = current_app._get_current_object()
    if not app.config["SANDBOX"]:
        raise click.ClickException("only in sandbox mode (no LINE credentials set)")
    _bring_schema_up_to_date()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config.update(PUBLIC_BASE_URL=base, LINE_API_BASE_URL=base + "/sandbox/line-api")
    user = user or "U" + secrets.token_hex(16)
    click.echo(f"You are {user}. Type a message, a number for a button, /follow, /quit.")
    seen, actions = 0, []
    with db.reader() as s:
        rows = line_requests_since(s, 0, to=user, limit=1000)
        seen = rows[-1].id if rows else 0
    while True:
        try:
            line = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            continue
        if line == "/quit":
            break
        kind, fields = "text", {"text": line}
        if line in ("/follow", "/unfollow", "/image"):
            kind, fields = line[1:], {}
        elif line.isdigit() and 1 <= int(line) <= len(actions):
            action = actions[int(line) - 1]
            if action["type"] == "datetimepicker":
                value = input(f"     {action['mode']} (e.g. 2026-12-01)> ").strip()
                kind = "postback"
                fields = {"data": action["data"], "params": {action["mode"]: value}}
            else:
                kind, fields = "postback", {"data": action.get("data", "")}
        token = None
        if kind != "unfollow":
            with db.unit_of_work() as s:
                token = issue_reply_token(s, user)
                s.commit()
        kind_for_event = "image" if kind == "image" else kind
        post_signed(
            base + "/line/webhook",
            app.config["LINE_CHANNEL_SECRET"],
            [build_event(kind_for_event, user, token, **fields)],
        )
        app.extensions["event_processor"].drain()
        time.sleep(0.05)
        with db.reader() as s:
            rows = line_requests_since(s, seen, to=user)
            messages = []
            for row in rows:
                seen = row.id
                body = row.as_dict()["body"]
                if row.status == 200 and isinstance(body, dict):
                    messages += body.get("messages", [])
        actions = _show(messages)
    server.shutdown()


@sandbox_cli.command("seed")
@click.option("--reset", is_flag=True, help="Start the demo over: delete everything, seed again.")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only when the database is empty; otherwise leave it alone (scripts/run).",
)
def seed_command(reset: bool, if_empty: bool) -> None:
    """Fill an empty sandbox database with a demo city (places, open venue days, staff,
    one console account per role; passwords printed once)."""
    from bot.sandbox import seed
    from models.base import utcnow

    app = current_app._get_current_object()
    if not (app.config["SANDBOX"] and app.config["TWILIO_SANDBOX"]):
        raise click.ClickException(
            "sandbox seed runs only in sandbox mode (no LINE or Twilio credentials set); "
            "it never touches a production database"
        )
    try:
        with db.unit_of_work() as s:
            result = seed.seed(s, utcnow(), reset=reset, if_empty=if_empty)
            s.commit()
    except seed.SeedRefused:
        raise click.ClickException(
            "this database holds data that is not the demo (places or staff not made by the "
            "seed, or residents or events); the seed leaves it alone. Point DATABASE_URL at a "
            "new database to try the demo"
        ) from None
    base = app.config["PUBLIC_BASE_URL"]
    if result.outcome == seed.NOT_EMPTY:
        click.echo("demo city: the database is not empty, nothing added "
                   "(`flask --app bot sandbox seed --reset` starts the demo over)")  # fmt: skip
        return
    if result.outcome == seed.ALREADY:
        click.echo("demo city: already there (`flask --app bot sandbox seed --reset` starts it "
                   "over, with new passwords)")  # fmt: skip
        return
    click.echo(f"demo city: {result.places} places approved by the city, {result.events} open "
               f"venue events ({result.slots} slots) over the next three weeks")  # fmt: skip
    click.echo(f"console accounts for {base}/console (passwords shown only now):")
    for login, (role, password) in result.passwords.items():
        click.echo(f"  {login:<14} {role:<16} {password}")
    click.echo(f"resident simulator: {base}/sandbox   phone: {base}/sandbox/phone")
