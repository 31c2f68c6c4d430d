"""Progress against the fiscal-year plan in city.yaml (``plan``, ``contract``).

Per kind (visit, venue): events held (done) and applicants served, plus what
is already scheduled (approved or open). Either target satisfies the plan
(specification: e.g. visits 40 events or 300 applicants).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.bookings import ACTIVE, Booking
from models.bookings import DONE as BOOKING_DONE
from models.city import city
from models.events import APPROVED, DONE, OPEN, VENUE, VISIT, SupportEvent
from models.visits import VisitRequest
from scheduler.business_calendar import JST


def fiscal_year() -> tuple[datetime, datetime]:
    """The contract period as [start, end) instants (Tokyo days, inclusive end day)."""
    contract = city()["contract"]
    start = date.fromisoformat(str(contract["start"]))
    end = date.fromisoformat(str(contract["end"]))
    return datetime.combine(start, time(0), JST), datetime.combine(
        date.fromordinal(end.toordinal() + 1), time(0), JST
    )


def _events(session: Session, kind: str, statuses: tuple[str, ...], span) -> int:
    return int(
        session.scalar(
            select(func.count(SupportEvent.id)).where(
                SupportEvent.kind == kind,
                SupportEvent.status.in_(statuses),
                SupportEvent.starts_at >= span[0],
                SupportEvent.starts_at < span[1],
            )
        )
        or 0
    )


def _venue_applicants(session: Session, statuses: tuple[str, ...], span) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Booking.party_size), 0))
            .join(SupportEvent, SupportEvent.id == Booking.event_id)
            .where(
                SupportEvent.kind == VENUE,
                SupportEvent.status.in_(statuses),
                Booking.status.in_((ACTIVE, BOOKING_DONE)),
                SupportEvent.starts_at >= span[0],
                SupportEvent.starts_at < span[1],
            )
        )
        or 0
    )


def _visit_applicants(session: Session, statuses: tuple[str, ...], span) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(VisitRequest.applicants), 0))
            .join(SupportEvent, SupportEvent.id == VisitRequest.event_id)
            .where(
                SupportEvent.status.in_(statuses),
                SupportEvent.starts_at >= span[0],
                SupportEvent.starts_at < span[1],
            )
        )
        or 0
    )


APPLICANTS = {VENUE: _venue_applicants, VISIT: _visit_applicants}


def progress(session: Session) -> dict[str, Any]:
    span = fiscal_year()
    plan = city()["plan"]
    out: dict[str, Any] = {"from": span[0].date().isoformat(), "kinds": {}}
    for kind in (VISIT, VENUE):
        target = plan[kind]
        held = _events(session, kind, (DONE,), span)
        served = APPLICANTS[kind](session, (DONE,), span)
        out["kinds"][kind] = {
            "target_events": int(target["events"]),
            "target_applicants": int(target["applicants"]),
            "events_done": held,
            "applicants_done": served,
            "events_scheduled": _events(session, kind, (APPROVED, OPEN), span),
            "applicants_scheduled": APPLICANTS[kind](session, (APPROVED, OPEN), span),
            "met": held >= int(target["events"]) or served >= int(target["applicants"]),
        }
    return out
