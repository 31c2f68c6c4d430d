"""Progress against the plan of one contract period (``models.contracts``).

Per kind (visit, venue): events held (done) and applicants served, plus what
is already scheduled (approved or open), counting events that start within
the period. Applicants served are the applications actually taken, as staff
recorded them after the event (``models.event_results``: walk-ins included,
no-shows excluded); a held event whose figures are not recorded yet counts
its booked party sizes (visits: the requests' applicants), reported apart as
``applicants_booking_basis`` (予約ベース) so nobody mistakes it for a result. Either target satisfies the plan (specification: e.g. visits 40
events or 300 applicants). Without a period named, the current one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from models.bookings import ACTIVE, Booking
from models.bookings import DONE as BOOKING_DONE
from models.contracts import ContractPeriod, current_period
from models.event_results import EventResult
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


def _unrecorded():
    return SupportEvent.id.not_in(select(EventResult.event_id))


def _recorded(session: Session, kind: str, span) -> tuple[int, int, int]:
    """(events with recorded figures, applications they took, how many of those events
    are not marked done yet). Recorded figures mean the event was held, whether or not
    someone pressed 「実施済みにする」."""
    row = session.execute(
        select(func.count(EventResult.id),
               func.coalesce(func.sum(EventResult.online_apps + EventResult.paper_apps), 0),
               func.coalesce(func.sum(case((SupportEvent.status != DONE, 1), else_=0)), 0))
        .join(SupportEvent, SupportEvent.id == EventResult.event_id)
        .where(
            SupportEvent.kind == kind, SupportEvent.status.in_((APPROVED, OPEN, DONE)),
            SupportEvent.starts_at >= span[0], SupportEvent.starts_at < span[1],
        )
    ).one()  # fmt: skip
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def _venue_applicants(
    session: Session, statuses: tuple[str, ...], span, unrecorded_only: bool = False
) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Booking.party_size), 0))
            .join(SupportEvent, SupportEvent.id == Booking.event_id)
            .where(
                _unrecorded() if unrecorded_only else true(),
                SupportEvent.kind == VENUE,
                SupportEvent.status.in_(statuses),
                Booking.status.in_((ACTIVE, BOOKING_DONE)),
                SupportEvent.starts_at >= span[0],
                SupportEvent.starts_at < span[1],
            )
        )
        or 0
    )


def _visit_applicants(
    session: Session, statuses: tuple[str, ...], span, unrecorded_only: bool = False
) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(VisitRequest.applicants), 0))
            .join(SupportEvent, SupportEvent.id == VisitRequest.event_id)
            .where(
                _unrecorded() if unrecorded_only else true(),
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


def progress(
    session: Session, period: ContractPeriod | None = None, until: datetime | None = None
) -> dict[str, Any] | None:
    """The plan's progress in ``period`` (default: the current one); None without periods.

    ``until`` (an instant) stops the count there: a monthly report's figures as of
    the month's end."""
    period = period or current_period(session)
    if period is None:
        return None
    span = period.bounds()
    if until is not None:
        span = (span[0], min(span[1], until))
    out: dict[str, Any] = {
        "period": period_json(period), "from": period.starts_on.isoformat(), "kinds": {},
    }  # fmt: skip
    for kind in (VISIT, VENUE):
        target = period.targets[kind]
        recorded_events, recorded, recorded_not_done = _recorded(session, kind, span)
        held = _events(session, kind, (DONE,), span) + recorded_not_done
        booking_basis = APPLICANTS[kind](session, (DONE,), span, unrecorded_only=True)
        served = recorded + booking_basis
        out["kinds"][kind] = {
            "target_events": target.events,
            "target_applicants": target.applicants,
            "events_done": held,
            "applicants_done": served,
            "applicants_recorded": recorded,
            "applicants_booking_basis": booking_basis,
            "events_recorded": recorded_events,
            "events_scheduled": _events(session, kind, (APPROVED, OPEN), span) - recorded_not_done,
            "applicants_scheduled": APPLICANTS[kind](session, (APPROVED, OPEN), span,
                                                     unrecorded_only=True),
            "met": target.met(held, served),
        }
    return out
