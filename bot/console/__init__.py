"""The staff console at /console: inbox, schedule, approvals, reports, defects, FAQ review.

Server-rendered Jinja2 pages (templates/console/) with a little plain
JavaScript served from a template; no build step, no CDN.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from flask import Flask, Response, render_template

from bot.console.blueprint import bp
from models.references import reference
from scheduler.business_calendar import JST


@bp.route("/console.js")
def script():
    return Response(render_template("console/_console.js"), mimetype="text/javascript")


@bp.route("/console.css")
def style():
    return Response(render_template("console/_console.css"), mimetype="text/css")


@bp.route("/reach.css")
def reach_style():
    """Announcements: the LINE and SMS previews (issue 14)."""
    return Response(render_template("console/_reach.css"), mimetype="text/css")


def _jst(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(JST).strftime(fmt) if value else ""


def _when(value: datetime | date | str | None, time_too: bool = True) -> str:
    """A date (and time) for people: 2026年12月10日(木) 10:00; ISO strings too."""
    from handlers.text import env

    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):  # a date
        return env().get_template("_console_when.txt").render(at=value, time_too=False).strip()
    local = value.astimezone(JST) if value.tzinfo else value
    return env().get_template("_console_when.txt").render(at=local, time_too=time_too).strip()


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _csv(value: object) -> str:
    """One CSV cell (RFC 4180 quoting); text that a spreadsheet would run as a formula is
    prefixed with an apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA):
        text = "'" + text
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([text])
    return out.getvalue()


def register(app: Flask) -> None:
    from bot.console import (  # noqa: F401 - routes
        accounts,
        announcements,
        applications,
        audit_log,
        auth,
        complaints,
        contracts,
        defects,
        faq_review,
        inbox,
        photos,
        places,
        report,
        reports,
        schedule,
        security,
    )

    security.configure(app)
    app.jinja_env.filters.setdefault("jst", _jst)
    app.jinja_env.filters.setdefault("csv", _csv)
    app.jinja_env.globals.setdefault("ref", reference)  # 問-0012 … (models/references.py)
    app.jinja_env.filters.setdefault("when", _when)
    app.register_blueprint(bp)
