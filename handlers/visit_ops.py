"""Visit-request operations shared by the staff API and the console, and the one
exception to a visit's staffing: going without a city official.

Same contract as ``handlers.schedule_ops``: session, actor, inputs, ``now``;
the rules of ``models.visits.REQUEST_TRANSITIONS`` are followed to the letter
(a status is never "changed" to itself unless the table allows it); refusals
are one ``RuleViolation`` with the API's codes; the resident hears of a
proposed date and of a scheduled visit through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handlers import booking_views as views
from handlers.booking_rules import IN_THE_PAST
from handlers.contract import Reply
from handlers.notify import notify
from handlers.schedule_ops import (
    BAD_TRANSITION,
    Actor,
    EventPlan,
    assign_staff,
    change_event_status,
    create_event,
    record_approval_by,
    refuse_if,
)
from handlers.text import render
from handlers.visit_notices import tell_proposed
from models import visits as vr
from models.approvals import (
    EVENT,
    OFFICIAL_WAIVER,
    VISIT_REQUEST,
    Approval,
    approvals_of,
    record_approval,
)
from models.audit import audit
from models.events import APPROVED, OPEN, PLANNED, VISIT, SupportEvent
from models.places import FACILITY, HOME, Place
from models.staff import (
    CITY_OFFICIAL,
    NEEDS_SITE_MANAGER,
    SITE_MANAGER,
    WORKER,
    RuleViolation,
    staffing_errors,
)
from personal_numbers.redact import redact
from scheduler.business_calendar import validate_visit_window

PROPOSAL_NOT_ACCEPTED, NEEDS_VISIT_EVENT = "proposal_not_accepted", "needs_visit_event"
NOT_A_VISIT, ALREADY_WAIVED = "not_a_visit", "already_waived"
MAX_REASON = 500


def _require_move(request: vr.VisitRequest, new: str) -> None:
    if not vr.can_move(request.status, new):
        raise RuleViolation(BAD_TRANSITION, field="status")


def _audit(session: Session, actor: Actor, action: str, request: vr.VisitRequest) -> None:
    audit(session, actor.name, action, f"visit_request:{request.id}")


def propose_visit(
    session: Session, actor: Actor, request: vr.VisitRequest, starts_at: datetime,
    ends_at: datetime, now: datetime,
) -> vr.VisitProposal:  # fmt: skip
    """A date on a business day, in business hours; the resident answers in chat."""
    if starts_at <= now:
        raise RuleViolation(IN_THE_PAST, field="starts_at")
    refuse_if(validate_visit_window(starts_at, ends_at))
    _require_move(request, vr.PROPOSED)
    proposal = vr.propose(session, request, starts_at, ends_at, now)
    tell_proposed(session, proposal)
    _audit(session, actor, "propose", request)
    return proposal


def approve_visit(
    session: Session, actor: Actor, request: vr.VisitRequest, now: datetime
) -> vr.VisitRequest:
    """The city approves a visit whose date the resident accepted."""
    _require_move(request, vr.APPROVED)
    if not any(p.status == vr.ACCEPTED for p in request.proposals):
        raise RuleViolation(PROPOSAL_NOT_ACCEPTED)
    request.status = vr.APPROVED
    record_approval_by(session, actor, VISIT_REQUEST, request.id, now)
    _audit(session, actor, "status:approved", request)
    return request


def schedule_visit(
    session: Session, actor: Actor, request: vr.VisitRequest, event_id: int | None, now: datetime
) -> vr.VisitRequest:
    """Fix the visit on an approved or open visit event; the resident is told when."""
    _require_move(request, vr.SCHEDULED)
    event = session.get(SupportEvent, event_id) if event_id else None
    if event is None or event.kind != VISIT or event.status not in (APPROVED, OPEN):
        raise RuleViolation(NEEDS_VISIT_EVENT, field="event_id")
    request.event_id = event.id
    context = {"w": views.when(event.starts_at, event.ends_at), "number": request.id}
    reply = Reply("bookings/visit_scheduled", context)
    notify(session, request.resident_id, [reply], source="visit_scheduled")
    request.status = vr.SCHEDULED
    _audit(session, actor, "status:scheduled", request)
    return request


def change_request_status(
    session: Session, actor: Actor, request: vr.VisitRequest, new: str, now: datetime,
    event_id: int | None = None,
) -> vr.VisitRequest:  # fmt: skip
    """Any status change; approving and scheduling carry their own rules."""
    if new == vr.APPROVED:
        return approve_visit(session, actor, request, now)
    if new == vr.SCHEDULED:
        return schedule_visit(session, actor, request, event_id, now)
    _require_move(request, new)
    request.status = new
    _audit(session, actor, f"status:{new}", request)
    return request


# --- a visit without a city official -------------------------------------------------


def waive_city_official(
    session: Session, actor: Actor, event: SupportEvent, reason: str | None, now: datetime
) -> Approval:
    """Record that this visit may go without a city official: why, who approved, when.

    City officials join visits 「原則」 (as a rule): the exception is the city's to
    approve, so it is entered by someone holding ``approve`` (a city official, or
    the general manager entering the city's decision), before the visit opens. The
    reason is redacted of My Numbers and application ids, kept encrypted, and
    written to the audit log with the approver.
    """
    if event.kind != VISIT:
        raise RuleViolation(NOT_A_VISIT)
    if event.status not in (PLANNED, APPROVED):
        raise RuleViolation(BAD_TRANSITION, field="status")
    text = redact((reason or "").strip()).text
    if not text:
        raise RuleViolation("missing_field", field="reason")
    if len(text) > MAX_REASON:
        raise RuleViolation("bad_value", field="reason")
    if event.id in approvals_of(session, OFFICIAL_WAIVER, [event.id]):
        raise RuleViolation(ALREADY_WAIVED)
    waiver = record_approval_by(session, actor, OFFICIAL_WAIVER, event.id, now, reason=text)
    audit(session, actor.name, "waive_city_official", f"event:{event.id}", text)
    return waiver


# --- fixing a visit in the console ---------------------------------------------------

NOT_THE_ACCEPTED_DATE = "not_the_accepted_date"


@dataclass(frozen=True)
class Team:
    """Who goes: the site manager, the other workers, the city official (or none)."""

    site_manager: int | None
    workers: tuple[int, ...] = ()
    city_official: int | None = None


def accepted_proposal(request: vr.VisitRequest) -> vr.VisitProposal | None:
    return next((p for p in reversed(request.proposals) if p.status == vr.ACCEPTED), None)


def _visit_place(session: Session, request: vr.VisitRequest) -> Place:
    """The home or facility of the request as a place; the city approved it with the request."""
    place = Place(
        kind=FACILITY if request.kind == FACILITY else HOME,
        name=render("visit/place_name", kind=request.kind, number=request.id),
        address=request.address, postal_code=request.postal_code, area=request.area,
        approved_by_city=True,
    )  # fmt: skip
    session.add(place)
    session.flush()
    return place


# The input of the fix-visit form a missing staffing rule is shown next to.
STAFFING_FIELD = {
    "needs_two_workers": "worker1",
    "needs_approved_site_manager": "site_manager",
    "needs_city_official": "city_official",
}


def fix_visit(
    session: Session, actor: Actor, request: vr.VisitRequest, starts_at: datetime,
    ends_at: datetime, team: Team, now: datetime, *, waiver_reason: str | None = None,
) -> SupportEvent:  # fmt: skip
    """An approved request becomes a visit on the schedule, staffed by the program's rules.

    The date is the one the resident accepted and the city approved (another date
    is proposed again instead); the event is created at the request's home or
    facility, the team assigned (each assignment under ``assign``'s rules), the
    staffing checked (2+ workers, an approved site manager, a city official or a
    recorded waiver), the event approved on the strength of the request's approval
    and opened; then ``schedule_visit`` tells the resident. Any refusal rolls back.
    """
    _require_move(request, vr.SCHEDULED)
    accepted = accepted_proposal(request)
    if accepted is None:
        raise RuleViolation(PROPOSAL_NOT_ACCEPTED)
    if (starts_at, ends_at) != (accepted.starts_at, accepted.ends_at):
        raise RuleViolation(NOT_THE_ACCEPTED_DATE, field="day")
    if starts_at <= now:
        raise RuleViolation(IN_THE_PAST, field="day")
    place = _visit_place(session, request)
    plan = EventPlan(VISIT, place.id, starts_at, ends_at)
    event = create_event(session, actor, plan, now)
    if team.site_manager is None:
        raise RuleViolation(NEEDS_SITE_MANAGER, field="site_manager")
    chosen = [("site_manager", team.site_manager, SITE_MANAGER)]
    chosen += [(f"worker{n}", w, WORKER) for n, w in enumerate(team.workers, 1) if w]
    if team.city_official:
        chosen.append(("city_official", team.city_official, CITY_OFFICIAL))
    errors: list[str] = []
    by_field: dict[str, list[str]] = {}
    for field, staff_id, role in chosen:
        try:
            assign_staff(session, actor, event, staff_id, role)
        except RuleViolation as refused:
            errors += [c for c in refused.codes if c not in errors]
            by_field.setdefault(field, []).extend(refused.codes)
    if not team.city_official and (waiver_reason or "").strip():
        waive_city_official(session, actor, event, waiver_reason, now)
    for code in staffing_errors(session, event):
        if code not in errors:
            errors.append(code)
        by_field.setdefault(STAFFING_FIELD.get(code, "site_manager"), []).append(code)
    if errors:
        raise RuleViolation(*errors, by_field=by_field)
    approval = approvals_of(session, VISIT_REQUEST, [request.id]).get(request.id)
    event.status = APPROVED
    record_approval(session, EVENT, event.id, staff_id=approval.staff_id if approval else None,
                    login=approval.login if approval else actor.name, now=now,
                    reason=f"visit_request:{request.id}")  # fmt: skip
    change_event_status(session, actor, event, OPEN, now)
    schedule_visit(session, actor, request, event.id, now)
    return event
