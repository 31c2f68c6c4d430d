"""The staff console at /console: inbox, schedule, approvals, reports, defects, FAQ review.

Server-rendered Jinja2 pages (templates/console/) with a little plain
JavaScript served from a template; no build step, no CDN.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, render_template

from bot.console.blueprint import bp
from scheduler.business_calendar import JST


@bp.route("/console.js")
def script():
    return Response(render_template("console/_console.js"), mimetype="text/javascript")


@bp.route("/console.css")
def style():
    return Response(render_template("console/_console.css"), mimetype="text/css")


def _jst(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(JST).strftime(fmt) if value else ""


def register(app: Flask) -> None:
    from bot.console import (  # noqa: F401 - routes
        accounts,
        applications,
        auth,
        defects,
        faq_review,
        inbox,
        report,
        schedule,
        security,
    )

    security.configure(app)
    app.jinja_env.filters.setdefault("jst", _jst)
    app.register_blueprint(bp)
