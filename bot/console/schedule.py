"""Schedule (month / week / day), the event form, approvals and visit requests."""

from __future__ import annotations

from calendar import Calendar
from datetime import date, datetime, time, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console.blueprint import bp
from bot.console.security import actor, can, require
from handlers import console_schedule as sched
from handlers import schedule_ops as ops
from handlers import visit_ops
from handlers.booking_views import area_name
from handlers.numbers import record_id
from handlers.schedule_ops import Actor
from models import events as ev
from models import visits as vr
from models.approvals import EVENT, OFFICIAL_WAIVER, VISIT_REQUEST, approvals_of
from models.base import utcnow
from models.db import db
from models.permissions import APPROVE, EDIT_SCHEDULE, REVEAL_PERSONAL, VIEW_SCHEDULE
from models.places import HOME, list_places
from models.postal import lookup
from models.staff import CITY_OFFICIAL, RuleViolation, event_assignments, list_staff
from scheduler.business_calendar import JST

VIEWS = ("month", "week", "day")


def _day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return utcnow().astimezone(JST).date()


def _span(view: str, day: date) -> tuple[date, date, list[date]]:
    if view == "day":
        return day, day + timedelta(days=1), [day]
    if view == "week":
        monday = day - timedelta(days=day.weekday())
        days = [monday + timedelta(days=i) for i in range(7)]
        return monday, monday + timedelta(days=7), days
    days = [d for week in Calendar().monthdatescalendar(day.year, day.month) for d in week]
    return days[0], days[-1] + timedelta(days=1), days


def _step(view: str, day: date, sign: int) -> date:
    if view == "day":
        return day + timedelta(days=sign)
    if view == "week":
        return day + timedelta(days=7 * sign)
    first = day.replace(day=1)
    return (first + timedelta(days=32)).replace(day=1) if sign > 0 else (
        first - timedelta(days=1)).replace(day=1)  # fmt: skip


def _event_rows(s, events: list[ev.SupportEvent]) -> list[dict]:
    approvals = approvals_of(s, EVENT, [e.id for e in events])
    rows = []
    for e in events:
        rows.append({
            "event": e,
            "booked": sum(sl.booked for sl in e.slots),
            "capacity": sum(sl.capacity for sl in e.slots),
            "staff": [(a.role, a.staff.name) for a in event_assignments(s, e.id)],
            "approval": approvals.get(e.id),
            "place": place_label(e.place),
            "day": e.starts_at.astimezone(JST).date(),
        })  # fmt: skip
    return rows


def place_label(place) -> str:
    """A home's name is personal: masked for roles that may not reveal."""
    if place.kind == HOME and not can(REVEAL_PERSONAL):
        return ""
    return place.name


@bp.route("/schedule")
@require(VIEW_SCHEDULE)
def schedule():
    view = request.args.get("view", "month")
    view = view if view in VIEWS else "month"
    day = _day(request.args.get("date"))
    first, last, days = _span(view, day)
    with db.reader() as s:
        events = ev.events_between(
            s, datetime.combine(first, time(0), JST), datetime.combine(last, time(0), JST)
        )
        rows = _event_rows(s, events)
        by_day: dict[date, list[dict]] = {}
        for row in rows:
            by_day.setdefault(row["day"], []).append(row)
        return render_template(
            "console/schedule.html", view=view, day=day, days=days, by_day=by_day,
            prev=_step(view, day, -1), next=_step(view, day, 1), views=VIEWS,
            today=utcnow().astimezone(JST).date(),
        )  # fmt: skip


def _form_page(f, errors, event=None, status=200, assign_errors=None):
    with db.reader() as s:
        current = s.get(ev.SupportEvent, event).place_id if event is not None else None
        places = [p for p in list_places(s) if p.archived_at is None or p.id == current]
        context = {"places": [(p, place_label(p)) for p in places], "f": f, "errors": errors,
                   "event": None, "kinds": ev.EVENT_KINDS}  # fmt: skip
        if event is not None:
            event = s.get(ev.SupportEvent, event)
            assignments = event_assignments(s, event.id)
            context.update(
                event=event,
                row=_event_rows(s, [event])[0],
                staff=[p for p in list_staff(s) if p.active],
                assignments=assignments,
                transitions=ev.TRANSITIONS.get(event.status, ()),
                assign_errors=assign_errors or [],
                waiver=approvals_of(s, OFFICIAL_WAIVER, [event.id]).get(event.id),
                has_official=any(a.role == CITY_OFFICIAL for a in assignments),
            )
        return render_template("console/event_form.html", **context), status


@bp.route("/events/new", methods=["GET", "POST"])
@require(EDIT_SCHEDULE)
def event_new():
    if request.method == "GET":
        f = sched.EventForm(day=_day(request.args.get("date")), start=time(10), end=time(12))
        return _form_page(f, {})
    f, errors = sched.parse_form(request.form)
    if errors:
        return _form_page(f, errors, status=422)
    try:
        with db.unit_of_work() as s:
            event_id = sched.create_from_form(s, _actor(), f, utcnow()).id
            s.commit()
    except RuleViolation as refused:
        return _form_page(f, sched.errors_by_field(refused.codes), status=422)
    flash("event_saved")
    return redirect(url_for("console.event", event_id=event_id))


@bp.route("/events/<int:event_id>", methods=["GET", "POST"])
@require(VIEW_SCHEDULE)
def event(event_id: int):
    if request.method == "GET":
        with db.reader() as s:
            f = sched.form_of(_event_or_404(s, event_id))
        return _form_page(f, {}, event=event_id)
    if not can(EDIT_SCHEDULE):
        abort(403)
    f, errors = sched.parse_form(request.form)
    if errors:
        return _form_page(f, errors, event=event_id, status=422)
    try:
        with db.unit_of_work() as s:
            sched.update_from_form(s, _actor(), _event_or_404(s, event_id), f, utcnow())
            s.commit()
    except RuleViolation as refused:
        return _form_page(f, sched.errors_by_field(refused.codes), event=event_id, status=422)
    flash("event_saved")
    return redirect(url_for("console.event", event_id=event_id))


@bp.route("/events/<int:event_id>/status", methods=["POST"])
@require(VIEW_SCHEDULE)
def event_status(event_id: int):
    new = request.form.get("status", "")
    if not can(APPROVE if new == ev.APPROVED else EDIT_SCHEDULE):
        abort(403)
    confirmed = request.form.get("not_combined") == "1"
    try:
        with db.unit_of_work() as s:
            ops.change_event_status(s, _actor(), _event_or_404(s, event_id), new, utcnow(),
                                    not_combined=confirmed)  # fmt: skip
            s.commit()
    except RuleViolation as refused:
        return _event_page_refused(event_id, {"status": refused.codes})
    flash("event_approved" if new == ev.APPROVED else "status_changed")
    return redirect(url_for("console.event", event_id=event_id))


@bp.route("/events/<int:event_id>/official-waiver", methods=["POST"])
@require(APPROVE)
def event_official_waiver(event_id: int):
    """A visit without a city official: the reason and who approved it (audited)."""
    try:
        with db.unit_of_work() as s:
            event = _event_or_404(s, event_id)
            visit_ops.waive_city_official(s, _actor(), event, request.form.get("reason"), utcnow())
            s.commit()
    except RuleViolation as refused:
        return _event_page_refused(event_id, {"waiver": refused.codes})
    flash("official_waived")
    return redirect(url_for("console.event", event_id=event_id))


@bp.route("/events/<int:event_id>/assign", methods=["POST"])
@require(EDIT_SCHEDULE)
def event_assign(event_id: int):
    raw = request.form.get("staff_id", "")
    role = request.form.get("role", "")
    if record_id(raw) is None:
        abort(400)
    try:
        with db.unit_of_work() as s:
            ops.assign_staff(s, _actor(), _event_or_404(s, event_id), int(raw), role)
            s.commit()
    except RuleViolation as refused:
        return _event_page_refused(event_id, {}, assign_errors=refused.codes)
    flash("staff_assigned")
    return redirect(url_for("console.event", event_id=event_id))


@bp.route("/visit-requests")
@require(VIEW_SCHEDULE)
def visit_requests(errors=None, status=200, field_errors=None):
    with db.reader() as s:
        reqs = list(s.scalars(
            select(vr.VisitRequest).where(vr.VisitRequest.status.in_(vr.OPEN_REQUEST))
            .order_by(vr.VisitRequest.created_at)
        ))  # fmt: skip
        staff = [p for p in list_staff(s) if p.active and p.pledge_signed_on is not None]
        return render_template(
            "console/visit_requests.html", reqs=reqs, errors=errors or {}, staff=staff,
            field_errors=field_errors or {},
            accepted={r.id: visit_ops.accepted_proposal(r) for r in reqs},
            cancelled=vr.cancelled_by_residents(s, utcnow() - timedelta(days=30)),
            form=request.form if request.method == "POST" else {},
            approvals=approvals_of(s, VISIT_REQUEST, [r.id for r in reqs]),
            areas={r.id: area_name(r.area or _area_of(r.postal_code)) for r in reqs},
            towns={r.id: _town_of(r.postal_code) for r in reqs},
        ), status  # fmt: skip


@bp.route("/visit-requests/<int:request_id>/propose", methods=["POST"])
@require(EDIT_SCHEDULE)
def visit_propose(request_id: int):
    when = sched.parse_proposal(request.form)
    if isinstance(when, str):
        return visit_requests(errors={request_id: [when]}, status=422)
    try:
        with db.unit_of_work() as s:
            req = _request_or_404(s, request_id)
            visit_ops.propose_visit(s, _actor(), req, *when, utcnow())
            s.commit()
    except RuleViolation as refused:
        return visit_requests(errors={request_id: refused.codes}, status=422)
    flash("proposal_sent")
    return redirect(url_for("console.visit_requests"))


@bp.route("/visit-requests/<int:request_id>/fix", methods=["POST"])
@require(EDIT_SCHEDULE)
def visit_fix(request_id: int):
    """Fix an approved visit: the accepted date, the team; it goes on the schedule."""
    when = sched.parse_proposal(request.form)
    if isinstance(when, str):
        field = "minutes" if when == "bad_number" else "day"
        return visit_requests(errors={request_id: [when]}, status=422,
                              field_errors={request_id: {field: [when]}})  # fmt: skip
    team = sched.parse_team(request.form)
    reason = request.form.get("waiver_reason") if can(APPROVE) else None
    try:
        with db.unit_of_work() as s:
            req = _request_or_404(s, request_id)
            event = visit_ops.fix_visit(s, _actor(), req, *when, team, utcnow(),
                                        waiver_reason=reason)  # fmt: skip
            event_id = event.id
            s.commit()
    except RuleViolation as refused:
        return visit_requests(errors={request_id: refused.codes}, status=422,
                              field_errors={request_id: refused.by_field})  # fmt: skip
    flash("visit_fixed")
    return redirect(url_for("console.event", event_id=event_id))


@bp.route("/visit-requests/<int:request_id>/approve", methods=["POST"])
@require(APPROVE)
def visit_approve(request_id: int):
    try:
        with db.unit_of_work() as s:
            visit_ops.approve_visit(s, _actor(), _request_or_404(s, request_id), utcnow())
            s.commit()
    except RuleViolation as refused:
        return visit_requests(errors={request_id: refused.codes}, status=422)
    flash("request_approved")
    return redirect(url_for("console.visit_requests"))


# --- helpers --------------------------------------------------------------------


def _area_of(postal_code: str | None) -> str | None:
    """The area a postcode resolves to, for requests recorded without one."""
    info = lookup(postal_code) if postal_code else None
    return info.area if info else None


def _town_of(postal_code: str | None) -> str:
    """The town a postcode resolves to: shown when no area rule covers it (areas.yaml)."""
    info = lookup(postal_code) if postal_code else None
    return info.town if info else ""


def _actor() -> Actor:
    """The signed-in staff member, for the audit log and recorded approvals."""
    return Actor(actor(), staff_id=g.account.staff_id, login=g.account.login)


def _event_or_404(s, event_id: int) -> ev.SupportEvent:
    found = s.get(ev.SupportEvent, event_id)
    if found is None:
        abort(404)
    return found


def _request_or_404(s, request_id: int) -> vr.VisitRequest:
    found = s.get(vr.VisitRequest, request_id)
    if found is None:
        abort(404)
    return found


def _event_page_refused(event_id: int, errors: dict, assign_errors=None):
    """The event page again, as it stands after the rollback, with the refusal on it."""
    with db.reader() as r:
        f = sched.form_of(_event_or_404(r, event_id))
    return _form_page(f, errors, event=event_id, status=422, assign_errors=assign_errors)
