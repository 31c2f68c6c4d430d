"""Creating and editing events from the console form, with the program's rules.

The rules are the bookings domain's own (``handlers.booking_rules``,
``models.staff``, ``models.events``): this module turns a form into values,
asks those rules, and answers ``{field: [codes]}`` so that the page can show
each error next to its field. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import booking_views as views
from handlers.booking_rules import event_time_errors
from handlers.contract import Reply
from handlers.notify import notify
from handlers.visit_notices import tell_proposed
from models import events as ev
from models import visits as vr
from models.bookings import ACTIVE, Booking, cancel_booking
from models.places import Place
from models.staff import clash_errors, staffing_errors
from scheduler.business_calendar import JST, validate_visit_window

# Which form field an error code belongs to (the rest go to the form's top).
FIELD_OF = {
    "place_kind_mismatch": "place_id",
    "unknown_place": "place_id",
    "in_the_past": "day",
    "not_business_day": "day",
    "bad_date": "day",
    "ends_before_start": "end",
    "spans_days": "end",
    "outside_business_hours": "start",
    "outside_venue_hours": "start",
    "slot_not_divisible": "slot_minutes",
    "capacity_below_booked": "capacity",
    "has_bookings": "start",
    "locked_status": "start",
}
EDITABLE = (ev.PLANNED, ev.APPROVED)


@dataclass
class EventForm:
    kind: str = ev.VENUE
    place_id: int | None = None
    day: date | None = None
    start: time | None = None
    end: time | None = None
    slot_minutes: int = 30
    capacity: int = 2
    note: str = ""

    @property
    def starts_at(self) -> datetime | None:
        return datetime.combine(self.day, self.start, JST) if self.day and self.start else None

    @property
    def ends_at(self) -> datetime | None:
        return datetime.combine(self.day, self.end, JST) if self.day and self.end else None


def _add(errors: dict[str, list[str]], code: str, field: str | None = None) -> None:
    errors.setdefault(field or FIELD_OF.get(code, "form"), []).append(code)


def parse_form(form: Any) -> tuple[EventForm, dict[str, list[str]]]:
    """Values from the submitted form, and what is malformed in it."""
    f, errors = EventForm(), {}
    f.kind = form.get("kind", "")
    if f.kind not in ev.EVENT_KINDS:
        _add(errors, "required", "kind")
    raw_place = form.get("place_id", "")
    f.place_id = int(raw_place) if raw_place.isdigit() else None
    if f.place_id is None:
        _add(errors, "unknown_place")
    try:
        f.day = date.fromisoformat(form.get("day", ""))
    except ValueError:
        _add(errors, "bad_date", "day")
    for name in ("start", "end"):
        try:
            setattr(f, name, time.fromisoformat(form.get(name, "")))
        except ValueError:
            _add(errors, "bad_time", name)
    for name in ("slot_minutes", "capacity"):
        raw = form.get(name, "")
        if not raw.isdigit() or int(raw) < 1:
            _add(errors, "bad_number", name)
        else:
            setattr(f, name, int(raw))
    f.note = (form.get("note") or "").strip()[:1000]
    return f, errors


def form_of(event: ev.SupportEvent) -> EventForm:
    start, end = event.starts_at.astimezone(JST), event.ends_at.astimezone(JST)
    first = event.slots[0] if event.slots else None
    minutes = int((first.ends_at - first.starts_at).total_seconds() // 60) if first else 30
    return EventForm(
        event.kind, event.place_id, start.date(), start.time(), end.time(), minutes,
        first.capacity if first else 1, event.note or "",
    )  # fmt: skip


def rule_errors(session: Session, f: EventForm, now: datetime) -> dict[str, list[str]]:
    """The program's rules for the event's place and time."""
    errors: dict[str, list[str]] = {}
    place = session.get(Place, f.place_id) if f.place_id else None
    if place is None:
        _add(errors, "unknown_place")
        return errors
    for code in event_time_errors(f.kind, place.kind, place.hours(), f.starts_at, f.ends_at, now):
        _add(errors, code)
    span = (f.ends_at - f.starts_at).total_seconds() // 60
    if span > 0 and span % f.slot_minutes:
        _add(errors, "slot_not_divisible")
    return errors


def _slots(f: EventForm) -> list[tuple[datetime, datetime]]:
    out, at, step = [], f.starts_at, timedelta(minutes=f.slot_minutes)
    while at + step <= f.ends_at:
        out.append((at, at + step))
        at += step
    return out


def create_event(session: Session, f: EventForm, now: datetime):
    """A planned event with its slots, or ``{field: [codes]}``."""
    errors = rule_errors(session, f, now)
    if errors:
        return errors
    event = ev.SupportEvent(
        kind=f.kind, place_id=f.place_id, starts_at=f.starts_at, ends_at=f.ends_at,
        status=ev.PLANNED, note=f.note or None,
    )  # fmt: skip
    session.add(event)
    session.flush()
    for start, end in _slots(f):
        session.add(ev.Slot(event_id=event.id, starts_at=start, ends_at=end,
                            capacity=f.capacity, booked=0))  # fmt: skip
    session.flush()
    return event


def update_event(session: Session, event: ev.SupportEvent, f: EventForm, now: datetime):
    """Change time, capacity or note; refuses what the rules refuse."""
    old = form_of(event)
    moved = (f.day, f.start, f.end, f.slot_minutes, f.kind, f.place_id) != (
        old.day, old.start, old.end, old.slot_minutes, old.kind, old.place_id,
    )  # fmt: skip
    errors: dict[str, list[str]] = {}
    if moved:
        if event.status not in EDITABLE:
            _add(errors, "locked_status")
        elif any(s.booked for s in event.slots):
            _add(errors, "has_bookings")
        else:
            errors = rule_errors(session, f, now)
        if errors:
            return errors
        event.kind, event.place_id = f.kind, f.place_id
        event.starts_at, event.ends_at = f.starts_at, f.ends_at
        session.flush()
        for code in clash_errors(session, event):
            _add(errors, code, "staff")
        if errors:
            return errors
        for slot in list(event.slots):
            session.delete(slot)
        session.flush()
        for start, end in _slots(f):
            session.add(ev.Slot(event_id=event.id, starts_at=start, ends_at=end,
                                capacity=f.capacity, booked=0))  # fmt: skip
    elif f.capacity != old.capacity:
        for slot in event.slots:
            if not ev.set_capacity(session, slot.id, f.capacity):
                _add(errors, "capacity_below_booked")
                return errors
    event.note = f.note or None
    session.flush()
    session.expire(event, ["slots"])
    return event


def change_status(session: Session, event: ev.SupportEvent, new: str, now: datetime) -> list[str]:
    """The same checks as the staff API: approved places, staffing before opening."""
    if new == event.status:
        return []
    if new not in ev.TRANSITIONS.get(event.status, ()):
        return ["bad_transition"]
    if new == ev.APPROVED and not event.place.approved_by_city:
        return ["place_not_approved"]
    if new == ev.OPEN:
        problems = staffing_errors(session, event)
        if event.starts_at <= now:
            problems.append("in_the_past")
        if problems:
            return problems
    if new == ev.CANCELLED:
        for booking in session.scalars(
            select(Booking).where(Booking.event_id == event.id, Booking.status == ACTIVE)
        ):
            cancel_booking(session, booking, now)
            reply = Reply("bookings/event_cancelled", views.booking_context(booking))
            notify(session, booking.resident_id, [reply], source="event_cancelled")
    event.status = new
    return []


def propose_visit(
    session: Session, request: vr.VisitRequest, day: str, start: str, minutes: str, now: datetime
) -> list[str]:
    """Propose a date for a visit request; the resident answers in chat."""
    try:
        starts_at = datetime.combine(date.fromisoformat(day), time.fromisoformat(start), JST)
    except ValueError:
        return ["bad_date"]
    if not minutes.isdigit() or int(minutes) < 1:
        return ["bad_number"]
    ends_at = starts_at + timedelta(minutes=int(minutes))
    if starts_at <= now:
        return ["in_the_past"]
    errors = validate_visit_window(starts_at, ends_at)
    if errors:
        return errors
    if not vr.can_move(request.status, vr.PROPOSED):
        return ["not_open_request"]
    tell_proposed(session, vr.propose(session, request, starts_at, ends_at, now))
    return []


def approve_request(request: vr.VisitRequest) -> list[str]:
    """The city approves a visit the resident accepted."""
    if not vr.can_move(request.status, vr.APPROVED):
        return ["bad_transition"]
    if not any(p.status == vr.ACCEPTED for p in request.proposals):
        return ["proposal_not_accepted"]
    request.status = vr.APPROVED
    return []
