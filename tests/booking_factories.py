"""Places, events, slots and staff for booking tests (plain SQLAlchemy objects)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from models.events import OPEN, VENUE, VISIT, Slot, SupportEvent
from models.places import FACILITY, Place
from models.places import VENUE as VENUE_PLACE
from models.staff import CITY_OFFICIAL, SITE_MANAGER, WORKER, Staff
from scheduler.business_calendar import JST

# Tue 1 Dec 2026, 10:00 in Tokyo: a business day, in business hours.
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def jst(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=JST)


def venue(session, name: str = "長府公民館", area: str = "chofu", approved: bool = True) -> Place:
    place = Place(
        kind=VENUE_PLACE, name=name, address="長府土居の内町1-6", area=area,
        approved_by_city=approved, opens="09:00", closes="17:00",
    )  # fmt: skip
    session.add(place)
    session.flush()
    return place


def facility(session, name: str = "ひだまりホーム", area: str = "honcho") -> Place:
    place = Place(kind=FACILITY, name=name, address="南部町1-1", area=area, approved_by_city=True)
    session.add(place)
    session.flush()
    return place


def venue_event(
    session,
    start: datetime | None = None,
    *,
    slots: int = 3,
    capacity: int = 4,
    minutes: int = 30,
    status: str = OPEN,
    place: Place | None = None,
) -> SupportEvent:
    start = start or jst(2026, 12, 5, 10)  # a Saturday: venues may open any day
    place = place or venue(session)
    event = SupportEvent(
        kind=VENUE,
        place_id=place.id,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes * slots),
        status=status,
    )
    session.add(event)
    session.flush()
    for i in range(slots):
        s = start + timedelta(minutes=minutes * i)
        session.add(
            Slot(event_id=event.id, starts_at=s, ends_at=s + timedelta(minutes=minutes),
                 capacity=capacity, booked=0)
        )  # fmt: skip
    session.flush()
    session.refresh(event)
    return event


def visit_event(session, start: datetime | None = None, status: str = "planned") -> SupportEvent:
    start = start or jst(2026, 12, 3, 10)  # Thursday
    place = facility(session)
    event = SupportEvent(
        kind=VISIT, place_id=place.id, starts_at=start, ends_at=start + timedelta(hours=2),
        status=status,
    )  # fmt: skip
    session.add(event)
    session.flush()
    return event


def person(session, role: str = WORKER, *, pledge: bool = True, approved: bool = True) -> Staff:
    staff = Staff(
        name=f"職員{role}",
        role=role,
        approved_by_city=approved,
        pledge_signed_on=date(2026, 4, 1) if pledge else None,
    )
    session.add(staff)
    session.flush()
    return staff


__all__ = ["CITY_OFFICIAL", "SITE_MANAGER", "WORKER", "NOW", "jst"]
