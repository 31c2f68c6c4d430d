"""Schedule operations shared by the staff API and the console: events, slots,
staff assignments and staff-taken bookings.

Each operation takes the session, the acting ``Actor``, its inputs and
``now``; it applies the program's rules, records approvals and the audit
entry, queues resident notices, and returns what it made or changed. A
refusal is one ``RuleViolation`` whose ``codes`` are the API's error codes
(``bot/api`` maps them to HTTP statuses, ``templates/console/_labels.html``
to words). Inputs arrive parsed: malformed input is the front-end's business.
The caller commits; a refusal leaves the transaction to be rolled back.
Visit requests are in ``handlers.visit_ops``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import booking_views as views
from handlers.approval_rules import NOT_COMBINED_UNCONFIRMED, not_combined_errors
from handlers.booking_rules import ENDS_BEFORE_START, IN_THE_PAST, event_time_errors
from handlers.contract import Reply
from handlers.notify import notify
from models import bookings as bk
from models import events as ev
from models.approvals import EVENT, record_approval
from models.audit import audit
from models.places import Place
from models.residents import get_or_create_resident
from models.staff import (
    Assignment,
    RuleViolation,
    Staff,
    assign,
    assignment_errors,
    clash_errors,
    staffing_errors,
)

BAD_TRANSITION, NOT_FOUND, UNKNOWN_PLACE = "bad_transition", "not_found", "unknown_place"
PLACE_NOT_APPROVED, HAS_BOOKINGS = "place_not_approved", "has_bookings"
SLOT_OUTSIDE_EVENT, SLOT_NOT_DIVISIBLE = "slot_outside_event", "slot_not_divisible"
CAPACITY_BELOW_BOOKED = "capacity_below_booked"
PLACE_ARCHIVED = "place_archived"
EDITABLE = (ev.PLANNED, ev.APPROVED)  # an event's time and place change only before it opens


@dataclass(frozen=True)
class Actor:
    """Who acts: ``name`` for the audit log; a staff member's id and login for approvals."""

    name: str
    staff_id: int | None = None
    login: str | None = None


@dataclass(frozen=True)
class EventPlan:
    """Where and when an event takes place."""

    kind: str
    place_id: int | None
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class SlotSpec:
    starts_at: datetime
    ends_at: datetime
    capacity: int


@dataclass(frozen=True)
class SlotGrid:
    """Slots of equal length covering the whole event, each with one capacity."""

    minutes: int
    capacity: int


def refuse_if(codes: Sequence[str], field: str | None = None) -> None:
    if codes:
        raise RuleViolation(*codes, field=field)


def record_approval_by(
    session: Session, actor: Actor, kind: str, target_id: int, now: datetime, **extra
):
    """The approval with who entered it (a staff member, or an API token by its audit name);
    ``extra``: ``not_combined``, ``reason``."""
    return record_approval(session, kind, target_id, staff_id=actor.staff_id,
                           login=actor.login or actor.name, now=now, **extra)  # fmt: skip


# --- events ---------------------------------------------------------------------


def plan_errors(
    session: Session, plan: EventPlan, now: datetime, grid: SlotGrid | None = None
) -> list[str]:
    """The program's rules for an event's kind, place and time (and its slot grid)."""
    place = session.get(Place, plan.place_id) if plan.place_id else None
    if place is None:
        return [UNKNOWN_PLACE]
    if place.archived_at is not None:
        return [PLACE_ARCHIVED]
    errors = event_time_errors(
        plan.kind, place.kind, place.hours(), plan.starts_at, plan.ends_at, now
    )
    span = (plan.ends_at - plan.starts_at).total_seconds() // 60
    if grid is not None and span > 0 and span % grid.minutes:
        errors.append(SLOT_NOT_DIVISIBLE)
    return errors


def grid_slots(plan: EventPlan, grid: SlotGrid) -> list[SlotSpec]:
    out, at, step = [], plan.starts_at, timedelta(minutes=grid.minutes)
    while at + step <= plan.ends_at:
        out.append(SlotSpec(at, at + step, grid.capacity))
        at += step
    return out


def _put_slot(session: Session, event: ev.SupportEvent, spec: SlotSpec, field: str | None):
    if spec.ends_at <= spec.starts_at:
        raise RuleViolation(ENDS_BEFORE_START, field=field)
    if spec.starts_at < event.starts_at or spec.ends_at > event.ends_at:
        raise RuleViolation(SLOT_OUTSIDE_EVENT, field=field)
    slot = ev.Slot(event_id=event.id, starts_at=spec.starts_at, ends_at=spec.ends_at,
                   capacity=spec.capacity, booked=0)  # fmt: skip
    session.add(slot)
    session.flush()
    return slot


def create_event(
    session: Session, actor: Actor, plan: EventPlan, now: datetime, *, note: str | None = None,
    grid: SlotGrid | None = None, slots: Sequence[SlotSpec] = (),
) -> ev.SupportEvent:  # fmt: skip
    """A planned event with its slots: a grid, or explicit slots (``slots[i]`` on refusal)."""
    refuse_if(plan_errors(session, plan, now, grid))
    event = ev.SupportEvent(kind=plan.kind, place_id=plan.place_id, starts_at=plan.starts_at,
                            ends_at=plan.ends_at, status=ev.PLANNED, note=note)  # fmt: skip
    session.add(event)
    session.flush()
    for spec in grid_slots(plan, grid) if grid else ():
        _put_slot(session, event, spec, None)
    for i, spec in enumerate(slots):
        _put_slot(session, event, spec, f"slots[{i}]")
    audit(session, actor.name, "create", f"event:{event.id}")
    session.expire(event, ["slots"])
    return event


def reschedule_event(
    session: Session, actor: Actor, event: ev.SupportEvent, plan: EventPlan, now: datetime,
    grid: SlotGrid | None = None,
) -> ev.SupportEvent:  # fmt: skip
    """New kind, place or time before the event opens; no assigned person may clash.

    With a ``grid`` the slots are laid out again, which no booking may be in;
    without one the slots stay and must still fit inside the event.
    """
    if event.status not in EDITABLE:
        raise RuleViolation(BAD_TRANSITION, field="starts_at")
    if grid is not None and any(s.booked for s in event.slots):
        raise RuleViolation(HAS_BOOKINGS)
    refuse_if(plan_errors(session, plan, now, grid))
    event.kind, event.place_id = plan.kind, plan.place_id
    event.starts_at, event.ends_at = plan.starts_at, plan.ends_at
    if grid is None and any(
        s.starts_at < event.starts_at or s.ends_at > event.ends_at for s in event.slots
    ):
        raise RuleViolation(SLOT_OUTSIDE_EVENT)
    session.flush()
    refuse_if(clash_errors(session, event))
    if grid is not None:
        _replace_slots(session, event, grid_slots(plan, grid))
    audit(session, actor.name, "reschedule", f"event:{event.id}")
    return event


def _replace_slots(session: Session, event: ev.SupportEvent, specs: list[SlotSpec]) -> None:
    for slot in list(event.slots):
        session.delete(slot)
    session.flush()
    for spec in specs:
        _put_slot(session, event, spec, None)
    session.expire(event, ["slots"])


def set_event_note(session: Session, actor: Actor, event: ev.SupportEvent, note: str | None):
    if note != event.note:
        event.note = note
        audit(session, actor.name, "note", f"event:{event.id}")


def status_errors(
    session: Session, event: ev.SupportEvent, new: str, now: datetime,
    not_combined: bool | None = None,
) -> list[str]:  # fmt: skip
    """Approved places only, a venue event confirmed as not combined with political,
    religious or for-profit events; open only fully staffed and before the start."""
    if new not in ev.TRANSITIONS.get(event.status, ()):
        return [BAD_TRANSITION]
    if new == ev.APPROVED:
        place = [] if event.place.approved_by_city else [PLACE_NOT_APPROVED]
        return place + not_combined_errors(event.kind, not_combined)
    if new == ev.OPEN:
        return staffing_errors(session, event) + ([IN_THE_PAST] if event.starts_at <= now else [])
    return []


def change_event_status(
    session: Session, actor: Actor, event: ev.SupportEvent, new: str, now: datetime,
    *, not_combined: bool | None = None,
) -> bool:  # fmt: skip
    """Move along the lifecycle; False when it already is there. Cancelling tells residents.

    Approving records who approved, when, and (``not_combined``) the confirmation
    that the event is not combined with political, religious or for-profit events.
    """
    if new == event.status:
        return False
    errors = status_errors(session, event, new, now, not_combined)
    field = {BAD_TRANSITION: "status", NOT_COMBINED_UNCONFIRMED: "not_combined"}
    refuse_if(errors, field.get(errors[0]) if len(errors) == 1 else None)
    if new == ev.CANCELLED:
        cancel_event_bookings(session, event, now)
    event.status = new
    detail = None
    if new == ev.APPROVED:
        record_approval_by(session, actor, EVENT, event.id, now,
                           not_combined=True if not_combined else None)  # fmt: skip
        detail = "not_combined confirmed" if not_combined else None
    audit(session, actor.name, f"status:{new}", f"event:{event.id}", detail)
    return True


def cancel_event_bookings(session: Session, event: ev.SupportEvent, now: datetime) -> int:
    """An event called off: every booking is cancelled and its resident told; how many."""
    active = session.scalars(
        select(bk.Booking).where(bk.Booking.event_id == event.id, bk.Booking.status == bk.ACTIVE)
    ).all()
    for booking in active:
        bk.cancel_booking(session, booking, now)
        reply = Reply("bookings/event_cancelled", views.booking_context(booking))
        notify(session, booking.resident_id, [reply], source="event_cancelled")
    return len(active)


# --- slots ----------------------------------------------------------------------


def add_slot(session: Session, actor: Actor, event: ev.SupportEvent, spec: SlotSpec) -> ev.Slot:
    if event.status in (ev.DONE, ev.CANCELLED):
        raise RuleViolation(BAD_TRANSITION)
    slot = _put_slot(session, event, spec, None)
    audit(session, actor.name, "add_slot", f"event:{event.id}", f"slot:{slot.id}")
    return slot


def set_slot_capacity(
    session: Session, actor: Actor, slot: ev.Slot, capacity: int, now: datetime
) -> ev.Slot:
    """Never below what is booked; a place that opens up goes to the waiting list."""
    # Conditional, like reserve: a booking landing meanwhile is never squeezed out.
    if not ev.set_capacity(session, slot.id, capacity):
        raise RuleViolation(CAPACITY_BELOW_BOOKED, field="capacity")
    if slot.places_left > 0:
        views.offer_freed_place(session, slot.event, now)
    audit(session, actor.name, "capacity", f"slot:{slot.id}", str(capacity))
    return slot


def set_event_capacity(
    session: Session, actor: Actor, event: ev.SupportEvent, capacity: int, now: datetime
) -> None:
    """Every slot of the event to one capacity."""
    for slot in event.slots:
        set_slot_capacity(session, actor, slot, capacity, now)


# --- staff assignments ----------------------------------------------------------


def assign_staff(
    session: Session, actor: Actor, event: ev.SupportEvent, staff_id: int, role: str
) -> Assignment:
    if session.get(Staff, staff_id) is None:
        raise RuleViolation(NOT_FOUND, field="staff_id")
    assignment = assign(session, staff_id, event, role)
    audit(session, actor.name, "assign", f"event:{event.id}", f"staff:{staff_id} as {role}")
    return assignment


def change_assignment_role(
    session: Session, actor: Actor, assignment: Assignment, role: str
) -> Assignment:
    refuse_if(assignment_errors(session, assignment.staff, assignment.event, role, new=False))
    assignment.role = role
    audit(session, actor.name, "assign", f"event:{assignment.event_id}",
          f"staff:{assignment.staff_id} as {role}")  # fmt: skip
    return assignment


def unassign(session: Session, actor: Actor, assignment: Assignment) -> None:
    if assignment.event.status == ev.OPEN:
        raise RuleViolation(BAD_TRANSITION)  # an open event keeps its minimum staff
    audit(session, actor.name, "unassign", f"event:{assignment.event_id}",
          f"staff:{assignment.staff_id}")  # fmt: skip
    session.delete(assignment)


# --- bookings taken by staff ----------------------------------------------------


def book_for_caller(
    session: Session, actor: Actor, slot_id: int, party_size: int, phone: str
) -> bk.Booking:
    """A booking for someone who called, keyed by their (domestic) phone number."""
    resident = get_or_create_resident(session, "phone", "+81" + phone[1:])
    result = bk.book(session, resident_id=resident.id, slot_id=slot_id, party_size=party_size,
                     channel="staff", phone=phone)  # fmt: skip
    if not result.ok:
        raise RuleViolation(result.outcome)
    audit(session, actor.name, "book", f"booking:{result.booking.id}")
    return result.booking


def move_booking(
    session: Session, actor: Actor, booking: bk.Booking, slot_id: int, now: datetime
) -> bk.Booking:
    """To another slot; a place freed at another event goes to its waiting list."""
    old_event = booking.event
    result = bk.move_booking(session, booking, slot_id)
    if result.outcome == bk.SAME_SLOT:
        return booking
    if not result.ok:
        raise RuleViolation(result.outcome)
    if old_event.id != booking.event_id:
        views.offer_freed_place(session, old_event, now)
    audit(session, actor.name, "move", f"booking:{booking.id}", f"slot:{slot_id}")
    return booking


def set_booking_status(
    session: Session, actor: Actor, booking: bk.Booking, status: str, now: datetime
) -> bk.Booking:
    """Cancelled, done or no-show, from active only; a cancelled place is offered on."""
    if status not in bk.BOOKING_STATUSES or booking.status != bk.ACTIVE:
        raise RuleViolation(BAD_TRANSITION, field="status")
    if status == bk.CANCELLED:
        bk.cancel_booking(session, booking, now)
        views.offer_freed_place(session, booking.event, now)
    else:
        booking.status = status
    audit(session, actor.name, f"status:{status}", f"booking:{booking.id}")
    return booking
