"""Why a resident books: a first application or a card renewal (issue 14).

Venue bookings and visit requests carry ``reason``: ``first``, ``renewal``,
or None when nobody asked (bookings made by staff or the API, and rows older
than the question). Reports count renewals apart from first applications
with ``count_by_reason``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import bookings as bk
from models import visits as vr
from models.events import SupportEvent

FIRST, RENEWAL = "first", "renewal"
REASONS = (FIRST, RENEWAL)
UNKNOWN = "unknown"  # the key None is counted under


def count_by_reason(session: Session, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
    """Counts by reason for support events starting in [start, end).

    ``bookings`` / ``booked_people``: venue bookings not cancelled (active, done or
    no-show) and the people in them; ``visit_requests`` / ``visit_applicants``:
    visit requests fixed to an event (scheduled or done). Every reason appears,
    zero included: ``{"bookings": {"first": 3, "renewal": 1, "unknown": 0}, ...}``.
    """
    in_range = select(SupportEvent.id).where(
        SupportEvent.starts_at >= start, SupportEvent.starts_at < end
    )
    out = {k: dict.fromkeys((*REASONS, UNKNOWN), 0)
           for k in ("bookings", "booked_people", "visit_requests", "visit_applicants")}  # fmt: skip
    booked = session.execute(
        select(bk.Booking.reason, func.count(), func.coalesce(func.sum(bk.Booking.party_size), 0))
        .where(bk.Booking.event_id.in_(in_range), bk.Booking.status != bk.CANCELLED)
        .group_by(bk.Booking.reason)
    ).all()
    for reason, n, people in booked:
        key = reason if reason in REASONS else UNKNOWN
        out["bookings"][key] += n
        out["booked_people"][key] += int(people)
    visits = session.execute(
        select(vr.VisitRequest.reason, func.count(), func.coalesce(func.sum(vr.VisitRequest.applicants), 0))
        .where(vr.VisitRequest.event_id.in_(in_range),
               vr.VisitRequest.status.in_((vr.SCHEDULED, vr.DONE)))
        .group_by(vr.VisitRequest.reason)
    ).all()  # fmt: skip
    for reason, n, people in visits:
        key = reason if reason in REASONS else UNKNOWN
        out["visit_requests"][key] += n
        out["visit_applicants"][key] += int(people)
    return out
