"""Complaints for the city: the alert on every page, a case with its handling, acknowledging.

The city's role sees no personal data: the case page shows the summary sent
to the city and the conversation with names and numbers hidden
(``handlers.city_summary``); opening it is audited (``view``, ``complaint:<id>``).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, jsonify, redirect, render_template, url_for

from bot.console.blueprint import bp
from bot.console.security import actor, can, require
from handlers.city_summary import summary_for_city
from handlers.complaints import COMPLAINT
from models import console_queries as q
from models.audit import audit
from models.base import utcnow
from models.city_notices import acknowledge, notice_for, unacknowledged_marker
from models.db import db
from models.inquiries import Inquiry
from models.permissions import RECEIVE_CITY_NOTICES, VIEW_CITY_REPORT
from models.residents import Resident
from models.staff import list_staff

ALERT_POLL_SECONDS = 15  # CONSOLE_ALERT_POLL_SECONDS overrides (tests)
CONTEXT_BEFORE = timedelta(minutes=30)  # conversation shown from before the case opened


def city_alerts() -> dict | None:
    """For every console page of the roles alerted: how many complaint notices are open."""
    if not can(RECEIVE_CITY_NOTICES):
        return None
    with db.reader() as s:
        marker = unacknowledged_marker(s)
    seconds = current_app.config.get("CONSOLE_ALERT_POLL_SECONDS", ALERT_POLL_SECONDS)
    return {**marker, "poll_seconds": seconds}


@bp.context_processor
def _alert_helpers() -> dict:
    return {"city_alerts": city_alerts}


@bp.route("/alerts/poll")
@require(RECEIVE_CITY_NOTICES)
def alerts_poll():
    """Tiny JSON for the alert's poll: counts only, no text."""
    with db.reader() as s:
        return jsonify(unacknowledged_marker(s))


def _complaint(s, inquiry_id: int) -> Inquiry:
    inquiry = s.get(Inquiry, inquiry_id)
    if inquiry is None or inquiry.category != COMPLAINT:
        abort(404)
    return inquiry


@bp.route("/complaints/<int:inquiry_id>")
@require(VIEW_CITY_REPORT)
def complaint(inquiry_id: int):
    with db.unit_of_work() as s:
        inquiry = _complaint(s, inquiry_id)
        resident = s.get(Resident, inquiry.resident_id)
        staff = list_staff(s)
        names = [resident.display_name if resident else None, *(p.name for p in staff)]
        since = inquiry.opened_at - CONTEXT_BEFORE
        lines = [
            {"at": line.at, "direction": line.direction, "template": line.template,
             "channel": line.channel, "text": summary_for_city(line.text, names) if line.text else ""}
            for line in q.transcript(s, inquiry.resident_id, limit=100) if line.at >= since
        ]  # fmt: skip
        audit(s, actor(), "view", f"complaint:{inquiry.id}", "case and handling (redacted)")
        page = render_template(
            "console/complaint.html", inquiry=inquiry, notice=notice_for(s, inquiry.id),
            lines=lines, sla=q.sla_of(inquiry, utcnow()),
            assignee=next((p.name for p in staff if p.id == inquiry.assignee_id), None),
        )  # fmt: skip
        s.commit()
    return page


@bp.route("/complaints/<int:inquiry_id>/acknowledge", methods=["POST"])
@require(RECEIVE_CITY_NOTICES)
def complaint_acknowledge(inquiry_id: int):
    with db.unit_of_work() as s:
        inquiry = _complaint(s, inquiry_id)
        notice = notice_for(s, inquiry.id)
        if notice is None:
            abort(404)
        if acknowledge(s, notice, actor(), utcnow()):
            audit(s, actor(), "acknowledge", f"complaint:{inquiry.id}")
        s.commit()
    flash("complaint_acknowledged")
    return redirect(url_for("console.complaint", inquiry_id=inquiry_id))
