"""Progress against the plan of one contract period (``models.contracts``).

Per kind (visit, venue): events held (done) and applicants served, plus what
is already scheduled (approved or open), counting events that start within
the period. Either target satisfies the plan (specification: e.g. visits 40
events or 300 applicants). Without a period named, the current one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.bookings import ACTIVE, Booking
from models.bookings import DONE as BOOKING_DONE
from models.contracts import ContractPeriod, current_period
from models.events import APPROVED, DONE, OPEN, VENUE, VISIT, SupportEvent
from models.visits import VisitRequest


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


def period_json(period: ContractPeriod) -> dict[str, Any]:
    return {
        "id": period.id, "name": period.name,
        "start": period.starts_on.isoformat(), "end": period.ends_on.isoformat(),
    }  # fmt: skip


def progress(session: Session, period: ContractPeriod | None = None) -> dict[str, Any] | None:
    """The plan's progress in ``period`` (default: the current one); None without periods."""
    period = period or current_period(session)
    if period is None:
        return None
    span = period.bounds()
    out: dict[str, Any] = {
        "period": period_json(period), "from": period.starts_on.isoformat(), "kinds": {},
    }  # fmt: skip
    for kind in (VISIT, VENUE):
        target = period.targets[kind]
        held = _events(session, kind, (DONE,), span)
        served = APPLICANTS[kind](session, (DONE,), span)
        out["kinds"][kind] = {
            "target_events": target.events,
            "target_applicants": target.applicants,
            "events_done": held,
            "applicants_done": served,
            "events_scheduled": _events(session, kind, (APPROVED, OPEN), span),
            "applicants_scheduled": APPLICANTS[kind](session, (APPROVED, OPEN), span),
            "met": target.met(held, served),
        }
    return out
