"""Application records (issue 7): who applied at each support event.

Every page that shows records writes a "view" audit entry (like the staff
API). Application ids and My Numbers are masked everywhere; a reveal (with a
reason, audited) shows the application id or the contact phone once. The
My Number is never shown whole in the console: only the API may reveal it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for

from bot.console.blueprint import bp
from bot.console.security import actor, can, require
from handlers import defect_ops as ops
from handlers.numbers import record_id as parse_id
from models import console_queries as q
from models import defects as dc
from models.applications import ApplicationRecord, masked, record_counts, records_of_event
from models.audit import audit
from models.base import utcnow
from models.db import db
from models.events import CANCELLED, SupportEvent, events_between
from models.permissions import REPLY, REVEAL_PERSONAL, VIEW_INBOX
from personal_numbers.redact import redact
from scheduler.business_calendar import JST

# The console reveals these; the My Number stays masked (the API can reveal it).
CONSOLE_REVEALABLE = ("application_id", "contact_phone")
INDEX_DAYS_BACK, INDEX_DAYS_AHEAD = 120, 14


def shown(record: ApplicationRecord) -> dict:
    """What a page may show of a record: the name, everything else masked."""
    return {
        "id": record.id,
        "event_id": record.event_id,
        "name": record.name,
        "name_kana": record.name_kana or "",
        "phone": q.mask(record.contact_phone, 2),
        "application_id": masked(record.application_id) or "",
        "my_number": masked(record.my_number) or "",
        "consultations": record.consultations,
        "linked": record.resident_id is not None,
        "created_by": record.created_by,
        "created_at": record.created_at,
    }


def event_or_404(s, event_id: int) -> SupportEvent:
    event = s.get(SupportEvent, event_id)
    if event is None:
        abort(404)
    return event


def record_or_404(s, record_id: int) -> ApplicationRecord:
    record = s.get(ApplicationRecord, record_id)
    if record is None:
        abort(404)
    return record


@bp.route("/applications")
@require(VIEW_INBOX)
def applications():
    """Support events of the last months, with how many records each has."""
    today = utcnow().astimezone(JST).date()
    start = datetime.combine(today - timedelta(days=INDEX_DAYS_BACK), time(0), JST)
    end = datetime.combine(today + timedelta(days=INDEX_DAYS_AHEAD), time(0), JST)
    with db.reader() as s:
        events = [e for e in events_between(s, start, end) if e.status != CANCELLED]
        events.reverse()  # newest first
        counts = record_counts(s, [e.id for e in events])
        return render_template("console/applications.html", events=events, counts=counts)


def _event_page(event_id: int, *, form=None, errors=None, status: int = 200):
    with db.unit_of_work() as s:
        event = event_or_404(s, event_id)
        records = records_of_event(s, event_id)
        open_cases = dc.open_cases_by_record(s, [r.id for r in records])
        audit(s, actor(), "view", "applications", f"event:{event_id} {len(records)} rows")
        page = render_template(
            "console/event_applications.html", event=event, records=[shown(r) for r in records],
            open_cases=open_cases, f=form or ops.RecordForm(), errors=errors or {},
        )  # fmt: skip
        s.commit()
    return page, status


@bp.route("/events/<int:event_id>/applications", methods=["GET", "POST"])
@require(VIEW_INBOX)
def event_applications(event_id: int):
    if request.method == "GET":
        return _event_page(event_id)
    if not can(REPLY):
        abort(403)
    form = ops.record_form(request.form)
    with db.unit_of_work() as s:
        event_or_404(s, event_id)
        errors = ops.record_form_errors(s, form)
        if not errors:
            record_id = ops.add_record(s, actor(), event_id, form).id
            s.commit()
    if errors:
        # The numbers are typed again: a page must not carry a whole My Number
        # (nor an application id) back to the browser.
        form.application_id = form.my_number = ""
        for name in ("name", "name_kana", "contact_phone", "inquiry_id"):
            setattr(form, name, redact(getattr(form, name)).text)
        return _event_page(event_id, form=form, errors=errors, status=422)
    flash("record_added")
    return redirect(
        url_for("console.event_applications", event_id=event_id, _anchor=f"r{record_id}")
    )


def _echo(form) -> dict[str, str]:
    """What a refused form shows again: redacted, like what would have been stored."""
    return {k: redact(v).text for k, v in form.items() if k != "csrf_token"}


def render_record(record_id: int, *, revealed=None, errors=None, status: int = 200):
    with db.unit_of_work() as s:
        record = record_or_404(s, record_id)
        audit(s, actor(), "view", f"application:{record_id}")
        page = render_template(
            "console/application.html", r=shown(record), event=event_or_404(s, record.event_id),
            cases=dc.list_cases(s, record_id=record_id), reasons=dc.reasons(),
            sources=dc.STAFF_SOURCES, revealable=CONSOLE_REVEALABLE, revealed=revealed or {},
            errors=errors or {}, form=_echo(request.form) if errors else {},
            today=utcnow().astimezone(JST).date(),
        )  # fmt: skip
        s.commit()
    return page, status


@bp.route("/applications/<int:record_id>")
@require(VIEW_INBOX)
def application(record_id: int):
    return render_record(record_id)


@bp.route("/applications/<int:record_id>/consultations", methods=["POST"])
@require(REPLY)
def application_consultations(record_id: int):
    with db.unit_of_work() as s:
        record = record_or_404(s, record_id)
        try:
            ops.set_consultations(s, actor(), record, request.form.get("consultations", ""))
        except ops.RecordError as err:
            s.rollback()
            return render_record(record_id, errors={err.field: [err.code]}, status=422)
        s.commit()
    flash("record_saved")
    return redirect(url_for("console.application", record_id=record_id))


@bp.route("/applications/<int:record_id>/reveal", methods=["POST"])
@require(REVEAL_PERSONAL)
def application_reveal(record_id: int):
    """The application id or contact phone once, after writing who/what/when/why."""
    from bot.console.defects import render_case

    field = request.form.get("field", "")
    raw_case = request.form.get("case_id", "")
    case_id = parse_id(raw_case)
    with db.unit_of_work() as s:
        record = record_or_404(s, record_id)
        if case_id is not None:
            case = s.get(dc.DefectCase, case_id)
            if case is None or case.record_id != record_id:
                abort(404)
        try:
            value = ops.reveal(s, actor(), record, field, request.form.get("reason"),
                               CONSOLE_REVEALABLE)  # fmt: skip
        except (ops.RecordError, dc.CaseError) as err:
            revealed, errors = None, {"reveal_" + err.field: [err.code]}
        else:
            revealed, errors = {field: value}, None
            s.commit()
    status = 422 if errors else 200
    if case_id is not None:
        return render_case(case_id, revealed=revealed, errors=errors, status=status)
    return render_record(record_id, revealed=revealed, errors=errors, status=status)
