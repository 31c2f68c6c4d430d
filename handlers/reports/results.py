"""Recording what happened at a support event: the console's form, its rules, the prefill.

The form (``ResultForm``) holds what staff type on a phone after the event.
``prefill`` fills it from what the system knows: people served from the
bookings that were not no-shows (venues) or the visit requests' applicants,
paper applications from the application records staff entered for the event,
defects found on the spot from the event's own-check defect cases, the
times from the event, the staff from its assignments. ``parse`` checks every
field and returns ``{field: [codes]}`` (words: ``templates/console/_results_labels.html``):
no negative or absurd counts, applications and walk-ins not above the people
served, the end after the start, staff among those assigned. ``save`` writes
the result, audits it, and tells the report workflow the day's figures changed.
No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.reports import workflow
from models.applications import ApplicationRecord, record_counts
from models.audit import audit
from models.base import utcnow
from models.bookings import ACTIVE, Booking
from models.bookings import DONE as BOOKING_DONE
from models.defects import OWN_CHECK, DefectCase
from models.event_results import (
    CONSULT_CATEGORIES,
    TURNED_AWAY_REASONS,
    EventResult,
    result_of,
)
from models.events import CANCELLED, PLANNED, VENUE, SupportEvent, local
from models.staff import event_assignments
from models.visits import VisitRequest
from scheduler.business_calendar import JST

MAX_COUNT = 10_000
MAX_REMARKS = 1000
COUNTS = ("online_apps", "paper_apps", "people_served", "walk_ins", "defects_on_spot")
REQUIRED, BAD_NUMBER, NEGATIVE, TOO_LARGE = "required", "bad_number", "negative", "too_large"
BAD_TIME, END_BEFORE_START, TOO_LONG = "bad_time", "end_before_start", "too_long"
APPS_OVER_SERVED, WALK_INS_OVER_SERVED = "apps_over_served", "walk_ins_over_served"
NOT_ASSIGNED, NOT_HELD, NOT_YET = "not_assigned", "event_not_held", "event_not_started"

Errors = dict[str, list[str]]


@dataclass
class ResultForm:
    online_apps: int | None = 0
    paper_apps: int | None = 0
    people_served: int | None = 0
    walk_ins: int | None = 0
    defects_on_spot: int | None = 0
    consultations: dict[str, int | None] = field(
        default_factory=lambda: {c: 0 for c in CONSULT_CATEGORIES})
    turned_away: dict[str, int | None] = field(
        default_factory=lambda: {r: 0 for r in TURNED_AWAY_REASONS})
    start: time | None = None
    end: time | None = None
    staff_ids: list[int] = field(default_factory=list)
    remarks: str = ""
    raw: dict[str, str] = field(default_factory=dict)  # what was typed, shown back on errors

    def value(self, name: str) -> Any:
        if name in self.raw:
            return self.raw[name]
        if name.startswith("consult_"):
            return self.consultations.get(name[8:], 0)
        if name.startswith("away_"):
            return self.turned_away.get(name[5:], 0)
        got = getattr(self, name)
        return got.strftime("%H:%M") if isinstance(got, time) else got


def form_of(result: EventResult) -> ResultForm:
    return ResultForm(
        online_apps=result.online_apps, paper_apps=result.paper_apps,
        people_served=result.people_served, walk_ins=result.walk_ins,
        defects_on_spot=result.defects_on_spot,
        consultations={c: int(result.consultations.get(c, 0)) for c in CONSULT_CATEGORIES},
        turned_away={r: int(result.turned_away.get(r, 0)) for r in TURNED_AWAY_REASONS},
        start=local(result.started_at).time().replace(tzinfo=None),
        end=local(result.ended_at).time().replace(tzinfo=None),
        staff_ids=list(result.staff_ids), remarks=result.remarks or "",
    )  # fmt: skip


def _attended(session: Session, event: SupportEvent) -> int:
    if event.kind == VENUE:
        query = select(func.coalesce(func.sum(Booking.party_size), 0)).where(
            Booking.event_id == event.id, Booking.status.in_((ACTIVE, BOOKING_DONE)))
    else:
        query = select(func.coalesce(func.sum(VisitRequest.applicants), 0)).where(
            VisitRequest.event_id == event.id)
    return int(session.scalar(query) or 0)


def prefill(session: Session, event: SupportEvent) -> ResultForm:
    """The form for an event: its recorded result, else what the system knows."""
    found = result_of(session, event.id)
    if found is not None:
        return form_of(found)
    served = _attended(session, event)
    papers = record_counts(session, [event.id]).get(event.id, 0)
    defects = int(session.scalar(
        select(func.count(DefectCase.id))
        .join(ApplicationRecord, ApplicationRecord.id == DefectCase.record_id)
        .where(ApplicationRecord.event_id == event.id, DefectCase.source == OWN_CHECK)
    ) or 0)  # fmt: skip
    return ResultForm(
        people_served=max(served, papers), paper_apps=papers, defects_on_spot=defects,
        start=local(event.starts_at).time().replace(tzinfo=None),
        end=local(event.ends_at).time().replace(tzinfo=None),
        staff_ids=[a.staff_id for a in event_assignments(session, event.id)],
    )  # fmt: skip


def _count(raw: str | None, name: str, errors: Errors) -> int | None:
    text = (raw or "").strip()
    if text == "":
        return 0
    try:
        value = int(text)
    except ValueError:
        errors.setdefault(name, []).append(BAD_NUMBER)
        return None
    if value < 0:
        errors.setdefault(name, []).append(NEGATIVE)
    elif value > MAX_COUNT:
        errors.setdefault(name, []).append(TOO_LARGE)
    return value


def _time(raw: str | None, name: str, errors: Errors) -> time | None:
    text = (raw or "").strip()
    if not text:
        errors.setdefault(name, []).append(REQUIRED)
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        errors.setdefault(name, []).append(BAD_TIME)
        return None


def parse(data, assigned_ids: set[int]) -> tuple[ResultForm, Errors]:
    """The form from a request's fields (``data.get`` / ``data.getlist``) and its errors."""
    errors: Errors = {}
    f = ResultForm(raw={k: str(data.get(k) or "") for k in data if k != "csrf_token"})
    for name in COUNTS:
        setattr(f, name, _count(data.get(name), name, errors))
    f.consultations = {c: _count(data.get(f"consult_{c}"), f"consult_{c}", errors)
                       for c in CONSULT_CATEGORIES}  # fmt: skip
    f.turned_away = {r: _count(data.get(f"away_{r}"), f"away_{r}", errors)
                     for r in TURNED_AWAY_REASONS}  # fmt: skip
    f.start, f.end = _time(data.get("start"), "start", errors), _time(data.get("end"), "end", errors)
    if f.start and f.end and f.end <= f.start:
        errors.setdefault("end", []).append(END_BEFORE_START)
    served = f.people_served if "people_served" not in errors else None
    if served is not None:
        apps = (f.online_apps or 0) + (f.paper_apps or 0)
        if "online_apps" not in errors and "paper_apps" not in errors and apps > served:
            errors.setdefault("people_served", []).append(APPS_OVER_SERVED)
        if "walk_ins" not in errors and (f.walk_ins or 0) > served:
            errors.setdefault("walk_ins", []).append(WALK_INS_OVER_SERVED)
    ids = []
    for raw in data.getlist("staff") if hasattr(data, "getlist") else data.get("staff", []):
        if not str(raw).isdigit() or int(raw) not in assigned_ids:
            errors.setdefault("staff", []).append(NOT_ASSIGNED)
            break
        ids.append(int(raw))
    f.staff_ids = sorted(set(ids))
    f.remarks = (data.get("remarks") or "").strip()
    if len(f.remarks) > MAX_REMARKS:
        errors.setdefault("remarks", []).append(TOO_LONG)
    return f, errors


def event_errors(event: SupportEvent, now: datetime) -> Errors:
    """Whether figures may be recorded for this event at all."""
    if event.status in (CANCELLED, PLANNED):
        return {"event": [NOT_HELD]}
    if event.starts_at > now:
        return {"event": [NOT_YET]}
    return {}


def save(session: Session, actor: str, event: SupportEvent, f: ResultForm) -> EventResult:
    """Record (or correct) the event's figures; audited; reports of the day are told."""
    day = local(event.starts_at).date()
    result = result_of(session, event.id)
    action = "update" if result is not None else "create"
    if result is None:
        result = EventResult(event_id=event.id, recorded_by=actor)
        session.add(result)
    for name in COUNTS:
        setattr(result, name, int(getattr(f, name) or 0))
    result.consultations = {k: int(v or 0) for k, v in f.consultations.items()}
    result.turned_away = {k: int(v or 0) for k, v in f.turned_away.items()}
    result.started_at = datetime.combine(day, f.start, JST)
    result.ended_at = datetime.combine(day, f.end, JST)
    result.staff_ids = list(f.staff_ids)
    result.remarks = f.remarks or None
    result.recorded_by, result.updated_at = actor, utcnow()
    session.flush()
    audit(session, actor, action, f"event_result:{event.id}", f"event:{event.id}")
    workflow.figures_changed(session, day, actor)
    return result
