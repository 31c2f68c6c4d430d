"""The escalation inbox: list, poll, an inquiry's page and what staff do there.

Opening an inquiry shows its transcript (redacted of My Numbers already) and
writes a "view" audit entry; the resident's name and phone number stay
masked unless a role allowed to reveal them asks, with a reason (audited).
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for

from bot.console.auth import safe_next
from bot.console.blueprint import bp
from bot.console.security import actor, can, require
from handlers import staff_console as actions
from handlers.numbers import record_id
from models import console_queries as q
from models.audit import audit
from models.base import utcnow
from models.city_notices import notice_for
from models.db import db
from models.inquiries import CATEGORIES, Inquiry
from models.permissions import REPLY, REVEAL_PERSONAL, VIEW_INBOX
from models.phone import PhoneCallback
from models.staff import CITY_OFFICIAL, list_staff

POLL_SECONDS = 5  # CONSOLE_POLL_SECONDS overrides (tests)


@bp.route("/")
def home():
    return redirect(url_for("console.inbox" if can(VIEW_INBOX) else "console.schedule"))


@bp.route("/inbox")
@require(VIEW_INBOX)
def inbox():
    status = request.args.get("status", "open")
    if status not in q.STATUS_FILTERS:
        status = "open"
    with db.reader() as s:
        rows = q.inbox(s, utcnow(), status)
        loose = q.open_callback_rows(s)
        marker = q.escalation_marker(s)
        staff = {p.id: p.name for p in list_staff(s)}
        return render_template(
            "console/inbox.html",
            rows=rows,
            loose=loose,
            marker=marker,
            status=status,
            staff=staff,
            filters=q.STATUS_FILTERS,
            poll_seconds=current_app.config.get("CONSOLE_POLL_SECONDS", POLL_SECONDS),
        )


@bp.route("/inbox/poll")
@require(VIEW_INBOX)
def poll():
    """Tiny JSON for the page's 5-second poll (no personal data, no text)."""
    with db.reader() as s:
        return jsonify(q.escalation_marker(s))


def _inquiry(s, inquiry_id: int) -> Inquiry:
    inquiry = s.get(Inquiry, inquiry_id)
    if inquiry is None:
        abort(404)
    return inquiry


def _render_detail(inquiry_id: int, *, revealed=None, errors=None, draft: str = "", status=200):
    with db.unit_of_work() as s:
        inquiry = _inquiry(s, inquiry_id)
        resident = q.get_resident(s, inquiry.resident_id)
        # Every look at a transcript is logged (who, what, when).
        audit(s, actor(), "view", f"inquiry:{inquiry.id}", "transcript")
        page = render_template(
            "console/inquiry.html",
            inquiry=inquiry,
            resident=resident,
            masked={
                "name": q.mask_name(resident.display_name if resident else None),
                "phone": q.mask(resident.phone if resident else None, 2),
                "line": bool(resident and resident.line_user_id),
            },
            revealed=revealed,
            lines=q.transcript(s, inquiry.resident_id),
            callbacks=q.callbacks_of(s, inquiry.id),
            sla=q.sla_of(inquiry, utcnow()),
            staff=[p for p in list_staff(s) if p.active and p.role != CITY_OFFICIAL],
            staff_names={p.id: p.name for p in list_staff(s)},
            categories=CATEGORIES,
            canned=actions.canned_replies(resident.language if resident else None),
            errors=errors or {},
            draft=draft,
            notice=notice_for(s, inquiry.id),
        )
        s.commit()
    return page, status


@bp.route("/inquiries/<int:inquiry_id>")
@require(VIEW_INBOX)
def inquiry(inquiry_id: int):
    return _render_detail(inquiry_id)


def _deliver(ids: list[int]) -> None:
    if ids:
        current_app.extensions["delivery"].deliver(ids)


@bp.route("/inquiries/<int:inquiry_id>/reply", methods=["POST"])
@require(REPLY)
def reply(inquiry_id: int):
    via = request.form.get("via", "line")
    text = request.form.get("text", "")
    with db.unit_of_work() as s:
        inquiry = _inquiry(s, inquiry_id)
        if via == "phone":
            ids, error = (
                [],
                actions.log_phone_call(s, inquiry, text, staff_id=g.account.staff_id, now=utcnow()),
            )
        else:
            resident = q.get_resident(s, inquiry.resident_id)
            language = resident.language if resident else None
            if actions.japanese_to_foreign(language, text) and not request.form.get(
                "send_japanese"
            ):
                ids, error = [], "japanese_to_foreign"  # staff confirm, or use the canned text
            else:
                ids, error = actions.send_reply(
                    s, inquiry, text, staff_id=g.account.staff_id, now=utcnow()
                )
        if error:
            s.rollback()
        else:
            s.commit()
    if error:
        return _render_detail(inquiry_id, errors={"text": error}, draft=text, status=422)
    _deliver(ids)
    flash("phone_logged" if via == "phone" else "reply_sent")
    return redirect(url_for("console.inquiry", inquiry_id=inquiry_id))


@bp.route("/inquiries/<int:inquiry_id>/assign", methods=["POST"])
@require(REPLY)
def assign(inquiry_id: int):
    raw = request.form.get("staff_id", "")
    staff_id = g.account.staff_id if raw == "me" else record_id(raw)
    with db.unit_of_work() as s:
        actions.assign(_inquiry(s, inquiry_id), staff_id)
        s.commit()
    flash("assigned")
    return redirect(url_for("console.inquiry", inquiry_id=inquiry_id))


@bp.route("/inquiries/<int:inquiry_id>/category", methods=["POST"])
@require(REPLY)
def category(inquiry_id: int):
    category = request.form.get("category", "")
    with db.unit_of_work() as s:
        error, notice = actions.set_category(s, _inquiry(s, inquiry_id), category, by=actor(),
                                             now=utcnow(), note=request.form.get("city_note"))  # fmt: skip
        if error:
            abort(400)
        s.commit()
    if notice is not None and notice.outbox_id:
        _deliver([notice.outbox_id])  # to the city now, not at the clock's next round
    flash("complaint_reported" if notice is not None else "category_set")
    return redirect(url_for("console.inquiry", inquiry_id=inquiry_id))


@bp.route("/inquiries/<int:inquiry_id>/hand-back", methods=["POST"])
@require(REPLY)
def hand_back(inquiry_id: int):
    close = request.form.get("close") == "1"
    with db.unit_of_work() as s:
        ids = actions.give_back(s, _inquiry(s, inquiry_id), close=close, now=utcnow())
        s.commit()
    _deliver(ids)
    flash("closed" if close else "handed_back")
    return redirect(url_for("console.inquiry", inquiry_id=inquiry_id))


@bp.route("/callbacks/<int:task_id>/done", methods=["POST"])
@require(REPLY)
def callback_done(task_id: int):
    with db.unit_of_work() as s:
        task = s.get(PhoneCallback, task_id)
        if task is None:
            abort(404)
        actions.complete_callback(task, utcnow())
        s.commit()
    flash("callback_done")
    return redirect(safe_next(request.form.get("back"), "console.inbox"))


@bp.route("/inquiries/<int:inquiry_id>/reveal", methods=["POST"])
@require(REVEAL_PERSONAL)
def reveal(inquiry_id: int):
    """Show the resident's name and phone once, after writing who/what/when/why."""
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        return _render_detail(inquiry_id, errors={"reason": "empty"}, status=422)
    with db.unit_of_work() as s:
        inquiry = _inquiry(s, inquiry_id)
        resident = q.get_resident(s, inquiry.resident_id)
        audit(s, actor(), "reveal", f"resident:{inquiry.resident_id}", reason[:500])
        revealed = {
            "name": resident.display_name if resident else None,
            "phone": resident.phone if resident else None,
            # A number keyed in for a call-back may differ from the caller id.
            "callbacks": {c.id: c.phone for c in q.callbacks_of(s, inquiry.id)},
        }
        s.commit()
    return _render_detail(inquiry_id, revealed=revealed)


@bp.route("/find")
@require(VIEW_INBOX)
def find():
    """The search box: a reference a resident quotes (問-0012, 訪-0003, 予-B45YUA, 不-0007)."""
    from models import references
    from models.bookings import Booking, find_by_code
    from models.defects import DefectCase
    from models.visits import VisitRequest

    raw = request.args.get("ref", "")
    parsed = references.parse(raw)
    if parsed is None:
        return render_template("console/reference.html", query=raw, problem="malformed"), 400
    with db.reader() as s:
        if parsed.kind == "inquiry" and s.get(Inquiry, int(parsed.key)) is not None:
            return redirect(url_for("console.inquiry", inquiry_id=int(parsed.key)))
        if parsed.kind == "defect" and s.get(DefectCase, int(parsed.key)) is not None:
            return redirect(url_for("console.defect", case_id=int(parsed.key)))
        found: Booking | VisitRequest | None = None
        if parsed.kind == "visit":
            found = s.get(VisitRequest, int(parsed.key))
        elif parsed.kind == "booking":
            found = find_by_code(s, parsed.key)
        if found is None:
            return render_template(
                "console/reference.html", query=raw, problem="not_found"
            ), 404
        return render_template("console/reference.html", query=raw, problem=None,
                               kind=parsed.kind, item=found)  # fmt: skip
