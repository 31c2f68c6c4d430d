"""The console's event form: parsing it, filling it from an event, and placing
each rule code next to its field.

The rules themselves are the shared schedule operations
(``handlers.schedule_ops``, ``handlers.visit_ops``), the same the staff API
calls; this module only turns the form into their inputs and their refusals
into ``{field: [codes]}``. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from handlers import schedule_ops as ops
from handlers import visit_ops
from handlers.numbers import record_id, whole
from models import events as ev
from scheduler.business_calendar import JST

# Which form field an error code belongs to (the rest go to the form's top).
FIELD_OF = {
    "place_kind_mismatch": "place_id",
    "unknown_place": "place_id",
    "place_archived": "place_id",
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
    "bad_transition": "start",
    "staff_double_booked": "staff",
    "city_staff_business_hours_only": "staff",
}


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

    @property
    def plan(self) -> ops.EventPlan:
        return ops.EventPlan(self.kind, self.place_id, self.starts_at, self.ends_at)

    @property
    def grid(self) -> ops.SlotGrid:
        return ops.SlotGrid(self.slot_minutes, self.capacity)


def _add(errors: dict[str, list[str]], code: str, field: str | None = None) -> None:
    errors.setdefault(field or FIELD_OF.get(code, "form"), []).append(code)


def parse_form(form: Any) -> tuple[EventForm, dict[str, list[str]]]:
    """Values from the submitted form, and what is malformed in it."""
    f, errors = EventForm(), {}
    f.kind = form.get("kind", "")
    if f.kind not in ev.EVENT_KINDS:
        _add(errors, "required", "kind")
    raw_place = form.get("place_id", "")
    f.place_id = record_id(raw_place)
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
        number = whole(raw, 100_000)
        if not number:
            _add(errors, "bad_number", name)
        else:
            setattr(f, name, number)
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


def errors_by_field(codes: list[str]) -> dict[str, list[str]]:
    """A refusal's codes, each under the form field it is about."""
    errors: dict[str, list[str]] = {}
    for code in codes:
        _add(errors, code)
    return errors


def create_from_form(session: Session, actor: ops.Actor, f: EventForm, now: datetime):
    """A planned event with even slots, as the form describes it."""
    return ops.create_event(session, actor, f.plan, now, note=f.note or None, grid=f.grid)


def update_from_form(
    session: Session, actor: ops.Actor, event: ev.SupportEvent, f: EventForm, now: datetime
) -> ev.SupportEvent:
    """What changed in the form: a new time or place lays the slots out again;
    otherwise a new capacity applies to every slot. The note is kept as typed."""
    old = form_of(event)
    moved = (f.day, f.start, f.end, f.slot_minutes, f.kind, f.place_id) != (
        old.day, old.start, old.end, old.slot_minutes, old.kind, old.place_id,
    )  # fmt: skip
    if moved:
        ops.reschedule_event(session, actor, event, f.plan, now, grid=f.grid)
    elif f.capacity != old.capacity:
        ops.set_event_capacity(session, actor, event, f.capacity, now)
    ops.set_event_note(session, actor, event, f.note or None)
    session.flush()
    session.expire(event, ["slots"])
    return event


def parse_proposal(form: Any) -> tuple[datetime, datetime] | str:
    """Start and end from the proposal form (day, start, minutes), or what is malformed."""
    try:
        starts_at = datetime.combine(
            date.fromisoformat(form.get("day", "")), time.fromisoformat(form.get("start", "")), JST
        )
    except ValueError:
        return "bad_date"
    minutes = form.get("minutes", "60")
    length = whole(minutes, 24 * 60)
    if not length:
        return "bad_number"
    return starts_at, starts_at + timedelta(minutes=length)


def parse_team(form: Any) -> visit_ops.Team:
    """The team chosen on the visit form: ids of the site manager, workers, city official."""
    workers = tuple(i for i in (record_id(form.get(f"worker{n}", "")) for n in (1, 2)) if i)
    return visit_ops.Team(record_id(form.get("site_manager", "")), workers,
                          record_id(form.get("city_official", "")))  # fmt: skip
