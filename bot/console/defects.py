"""Defect cases (issue 7): the list with counts, a case's page and what staff do there.

Opening a case (from an application record), changing its status along
``models.defects.TRANSITIONS`` and logging a contact go through
``handlers.defect_ops``; a refused change comes back to the page with the
reason in Japanese. Every look at a case or the list is audited.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from bot.console.applications import CONSOLE_REVEALABLE, record_or_404, render_record, shown
from bot.console.blueprint import bp
from bot.console.security import actor, require
from handlers import defect_ops as ops
from models import defects as dc
from models.applications import events_by_id
from models.audit import audit
from models.base import utcnow
from models.db import db
from models.events import SupportEvent
from models.permissions import REPLY, VIEW_INBOX
from personal_numbers.redact import redact


@bp.context_processor
def _defect_helpers() -> dict:
    def reason_label(code: str) -> str:
        """The label from city.yaml; a reason since removed from the list shows its code."""
        try:
            return dc.reason_label(code)
        except ValueError:
            return code

    return {"reason_label": reason_label}


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


@bp.route("/defects")
@require(VIEW_INBOX)
def defects():
    status = _choice("status", dc.STATUSES)
    reason = _choice("reason", dc.reason_codes())
    with db.unit_of_work() as s:
        cases = dc.list_cases(s, status=status, reason=reason)
        events = events_by_id(s, {c.record.event_id for c in cases if c.record})
        audit(s, actor(), "view", "defects", f"{len(cases)} rows")
        page = render_template(
            "console/defects.html", cases=cases, events=events, status=status, reason=reason,
            statuses=dc.STATUSES, reasons=dc.reasons(), counts=dc.counts_by_status_and_reason(s),
        )  # fmt: skip
        s.commit()
    return page


def _case_or_404(s, case_id: int) -> dc.DefectCase:
    case = s.get(dc.DefectCase, case_id)
    if case is None:
        abort(404)
    return case


def render_case(case_id: int, *, revealed=None, errors=None, status: int = 200):
    with db.unit_of_work() as s:
        case = _case_or_404(s, case_id)
        record = case.record
        audit(s, actor(), "view", f"defect:{case_id}")
        page = render_template(
            "console/defect.html", case=case, r=shown(record) if record else None,
            event=s.get(SupportEvent, record.event_id) if record else None,
            contacts=list(case.contacts), next_statuses=dc.TRANSITIONS.get(case.status, ()),
            channels=dc.STAFF_CHANNELS, outcomes=dc.STAFF_OUTCOMES,
            revealable=CONSOLE_REVEALABLE, revealed=revealed or {}, errors=errors or {},
            note=redact(request.form.get("note", "")).text if errors else "",
        )  # fmt: skip
        s.commit()
    return page, status


def _refused(s, case_id: int, errors: dict[str, list[str]], status: int = 422):
    """Back to the case page with the reasons; nothing of the refused change is kept
    (rolled back first: the page reads in its own unit of work)."""
    s.rollback()
    return render_case(case_id, errors=errors, status=status)


@bp.route("/defects/<int:case_id>")
@require(VIEW_INBOX)
def defect(case_id: int):
    return render_case(case_id)


@bp.route("/applications/<int:record_id>/defects", methods=["POST"])
@require(REPLY)
def defect_open(record_id: int):
    """A case opened from an application record: reason, found on, source, detail."""
    form = request.form
    with db.unit_of_work() as s:
        record = record_or_404(s, record_id)
        try:
            case = ops.open_case(
                s, actor(), record, reason=form.get("reason", ""), source=form.get("source", ""),
                found_on=ops.parse_date(form.get("found_on"), "found_on"),
                detail=form.get("detail"), now=utcnow(),
            )  # fmt: skip
        except dc.CaseError as err:
            s.rollback()
            return render_record(record_id, errors={err.field: [err.code]}, status=422)
        case_id = case.id
        s.commit()
    flash("case_opened")
    return redirect(url_for("console.defect", case_id=case_id))


@bp.route("/defects/<int:case_id>/status", methods=["POST"])
@require(REPLY)
def defect_status(case_id: int):
    with db.unit_of_work() as s:
        case = _case_or_404(s, case_id)
        try:
            ops.change_status(s, actor(), case, request.form.get("status", ""), utcnow())
        except dc.IllegalTransition:
            # Another tab or the cadence job moved the case first: show where it is now.
            return _refused(s, case_id, {"status": ["bad_transition"]}, status=409)
        except dc.CaseError as err:
            return _refused(s, case_id, {err.field: [err.code]})
        s.commit()
    flash("status_changed")
    return redirect(url_for("console.defect", case_id=case_id))


@bp.route("/defects/<int:case_id>/contacts", methods=["POST"])
@require(REPLY)
def defect_contact(case_id: int):
    form = request.form
    with db.unit_of_work() as s:
        case = _case_or_404(s, case_id)
        try:
            ops.log_staff_contact(s, actor(), case, channel=form.get("channel", ""),
                                  outcome=form.get("outcome", ""), note=form.get("note"),
                                  now=utcnow())  # fmt: skip
        except dc.CaseError as err:
            return _refused(s, case_id, {err.field: [err.code]})
        s.commit()
    flash("contact_logged")
    return redirect(url_for("console.defect", case_id=case_id, _anchor="contacts"))
