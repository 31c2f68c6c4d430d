"""Announcements to residents (issue 14): compose, preview, approve, stats; the flyer button.

Routes only; the rules are in ``handlers/announce_ops.py``. Composing and
submitting need edit_schedule; approving is for the general manager, who
must not be the person who wrote or submitted it. The preview shows the
LINE messages as rendered for the send (``bot.line.render``) and the SMS
text as sent, the audience by channel, and the month's LINE quota.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console.blueprint import bp
from bot.console.security import actor, require
from bot.line.render import to_messages
from handlers import announce_ops as ops
from handlers import announce_render as rendering
from models import announcements as an
from models.areas import all_areas
from models.base import utcnow
from models.db import db
from models.events import APPROVED, OPEN, VENUE, SupportEvent, get_event
from models.permissions import EDIT_SCHEDULE, VIEW_SCHEDULE
from scheduler.business_calendar import JST


def _quota():
    return current_app.extensions["delivery"].line_client().quota()


def _quota_or_none():
    try:
        return _quota()
    except Exception:  # noqa: BLE001 - shown as "unavailable"
        return None


def _events(s) -> list[SupportEvent]:
    return list(s.scalars(
        select(SupportEvent).where(SupportEvent.kind == VENUE,
                                   SupportEvent.status.in_((APPROVED, OPEN)),
                                   SupportEvent.ends_at > utcnow())
        .order_by(SupportEvent.starts_at).limit(50)))  # fmt: skip


def _form(draft, errors, announcement=None, status=200):
    with db.reader() as s:
        return render_template(
            "console/announcement_form.html", d=draft, errors=errors, a=announcement,
            areas=all_areas(), events=_events(s), max_body=ops.max_body(),
        ), status  # fmt: skip


def _get(s, announcement_id: int) -> an.Announcement:
    a = an.get_announcement(s, announcement_id)
    if a is None:
        abort(404)
    return a


@bp.route("/announcements")
@require(VIEW_SCHEDULE)
def announcements():
    with db.reader() as s:
        rows = [(a, ops.stats(s, a)) for a in an.list_announcements(s)]
        today = utcnow().astimezone(JST).date()
        return render_template("console/announcements.html", rows=rows, quota=_quota_or_none(),
                               reserved=an.reserved_line_messages(s), month=today.strftime("%Y-%m"))  # fmt: skip


@bp.route("/announcements/new", methods=["GET", "POST"])
@require(EDIT_SCHEDULE)
def announcement_new():
    if request.method == "GET":
        return _form(ops.Draft(channels=["line", "sms"]), {})
    draft = ops.parse_form(request.form, request.form.getlist)
    with db.unit_of_work() as s:
        errors = ops.draft_errors(s, draft, utcnow())
        if errors:
            return _form(draft, errors, status=422)
        announcement_id = ops.save(s, draft, actor()).id
        s.commit()
    return redirect(url_for("console.announcement", announcement_id=announcement_id,
                            done="announcement_saved"))  # fmt: skip


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@require(EDIT_SCHEDULE)
def announcement_edit(announcement_id: int):
    with db.unit_of_work() as s:
        a = _get(s, announcement_id)
        if a.status not in an.EDITABLE:
            abort(409)
        if request.method == "GET":
            return _form(ops.to_draft(a), {}, a)
        draft = ops.parse_form(request.form, request.form.getlist)
        errors = ops.draft_errors(s, draft, utcnow())
        if errors:
            return _form(draft, errors, a, status=422)
        ops.save(s, draft, actor(), a)
        s.commit()
    return redirect(url_for("console.announcement", announcement_id=announcement_id,
                            done="announcement_saved"))  # fmt: skip


def _page(announcement_id: int, problems: list[str] | None = None, status: int = 200):
    now = utcnow()
    with db.reader() as s:
        a = _get(s, announcement_id)
        event = get_event(s, a.event_id) if a.event_id else None
        line = to_messages(rendering.replies(a, event))
        sms = rendering.sms_text(a, event)
        checked = ops.check(s, a, now, _quota) if a.status in (*an.EDITABLE, an.APPROVED) else None
        return render_template(
            "console/announcement.html", a=a, event=event, line=line, sms=sms, checked=checked,
            stats=ops.stats(s, a), problems=problems or [], me=actor(), role=g.account.role,
            area_names={x.code: x.name for x in all_areas()},
        ), status  # fmt: skip


@bp.route("/announcements/<int:announcement_id>")
@require(VIEW_SCHEDULE)
def announcement(announcement_id: int):
    return _page(announcement_id)


def _act(announcement_id: int, work, done: str):
    quota = ops.prefetched(_quota)  # asked before the write transaction opens
    with db.unit_of_work() as s:
        a = _get(s, announcement_id)
        problems = work(s, a, quota)
        if problems:
            s.rollback()
        else:
            s.commit()
    if problems:
        return _page(announcement_id, problems, status=409)
    return redirect(url_for("console.announcement", announcement_id=announcement_id, done=done))


@bp.post("/announcements/<int:announcement_id>/submit")
@require(EDIT_SCHEDULE)
def announcement_submit(announcement_id: int):
    return _act(announcement_id, lambda s, a, q: ops.submit(s, a, actor(), utcnow(), q),
                "announcement_submitted")  # fmt: skip


@bp.post("/announcements/<int:announcement_id>/approve")
@require(VIEW_SCHEDULE)
def announcement_approve(announcement_id: int):
    return _act(announcement_id,
                lambda s, a, q: ops.approve(s, a, actor(), g.account.role, utcnow(), q),
                "announcement_approved")  # fmt: skip


@bp.post("/announcements/<int:announcement_id>/cancel")
@require(EDIT_SCHEDULE)
def announcement_cancel(announcement_id: int):
    return _act(announcement_id, lambda s, a, _q: ops.cancel(s, a), "announcement_cancelled")


@bp.route("/flyer.pdf")
@require(VIEW_SCHEDULE)
def flyer():
    from bot.flyer import flyer_pdf

    raw = request.args.get("month", "")
    try:
        month = date.fromisoformat(raw + "-01")
    except ValueError:
        abort(400, description="month")
    with db.reader() as s:
        pdf = flyer_pdf(s, month, basic_id=_basic_id())
    name = f"flyer-{month:%Y-%m}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _basic_id():
    from bot.public import line_basic_id

    return line_basic_id(current_app)
