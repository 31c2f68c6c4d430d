"""A month of support events with recorded figures, and residents whose personal data must
never reach a report (issue 12 tests)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from models.applications import create_record
from models.bookings import DONE as BOOKING_DONE
from models.bookings import NO_SHOW, Booking, new_code
from models.event_results import CONSULT_CATEGORIES, TURNED_AWAY_REASONS, EventResult
from models.events import DONE, VISIT, SupportEvent
from models.inquiries import CLOSED, Inquiry
from models.places import HOME, Place
from models.residents import Resident
from tests.booking_factories import jst, venue, venue_event, visit_event

# The test residents: none of this may appear in any report.
PEOPLE = [
    {"name": "山田太郎", "kana": "ヤマダタロウ", "phone": "09012345678", "app_id": "12345678901234567890123",
     "my_number": "123456789018", "display": "やまだ"},
    {"name": "佐藤花子", "kana": "サトウハナコ", "phone": "08087654321", "app_id": "98765432109876543210987",
     "my_number": "987654321000", "display": "はなこ"},
]  # fmt: skip


def figures(rng: random.Random) -> dict:
    served = rng.randint(3, 20)
    online = rng.randint(0, served // 2)
    paper = rng.randint(0, served - online)
    return {
        "people_served": served, "online_apps": online, "paper_apps": paper,
        "walk_ins": rng.randint(0, served), "defects_on_spot": rng.randint(0, 2),
        "consultations": {c: rng.randint(0, 4) for c in CONSULT_CATEGORIES},
        "turned_away": {r: rng.randint(0, 2) for r in TURNED_AWAY_REASONS},
    }  # fmt: skip


def record(session, event, values: dict, remarks: str | None = None) -> EventResult:
    result = EventResult(
        event_id=event.id, started_at=event.starts_at, ended_at=event.ends_at, staff_ids=[1, 2],
        remarks=remarks, recorded_by="test", **values,
    )  # fmt: skip
    session.add(result)
    session.flush()
    return result


def month_of_events(session, year: int = 2026, month: int = 11, seed: int = 12) -> list:
    """Venue events on Saturdays and Sundays, visits on Tuesdays and Thursdays; all held;
    every fourth one left without figures (counted 予約ベース)."""
    rng = random.Random(seed)
    place = venue(session)
    day, events = date(year, month, 1), []
    while day.month == month:
        wd = day.weekday()
        if wd in (5, 6):
            events.append(venue_event(session, jst(day.year, day.month, day.day, 10), status=DONE,
                                      place=place))  # fmt: skip
        elif wd in (1, 3):
            events.append(visit_event(session, jst(day.year, day.month, day.day, 10), status=DONE))
        day += timedelta(days=1)
    for i, event in enumerate(events):
        if i % 4 != 3:
            record(session, event, figures(rng))
    session.flush()
    return events


def residents_at(session, event) -> list[Resident]:
    """The test residents: booked at ``event``, with application records, inquiries."""
    out = []
    for p in PEOPLE:
        resident = Resident(display_name=p["display"], phone="+81" + p["phone"][1:])
        session.add(resident)
        session.flush()
        slot = event.slots[0]
        session.add(Booking(code=new_code(), resident_id=resident.id, event_id=event.id,
                            slot_id=slot.id, party_size=2, status=BOOKING_DONE, channel="line",
                            phone=p["phone"]))  # fmt: skip
        create_record(session, event_id=event.id, name=p["name"], name_kana=p["kana"],
                      contact_phone=p["phone"], application_id=p["app_id"],
                      my_number=p["my_number"], created_by="test")  # fmt: skip
        session.add(Inquiry(resident_id=resident.id, channel="line", category="complaint",
                            status=CLOSED, summary=f"{p['name']}です。電話{p['phone']}",
                            opened_at=event.starts_at))  # fmt: skip
        out.append(resident)
    session.add(Booking(code=new_code(), resident_id=out[0].id, event_id=event.id,
                        slot_id=event.slots[1].id, party_size=3, status=NO_SHOW, channel="line"))
    # A home visit the same afternoon: the place is the first resident's home.
    home = Place(kind=HOME, name=f"{PEOPLE[0]['name']}様宅", address="長府土居の内町9-9",
                 area="chofu", approved_by_city=True, phone=PEOPLE[0]["phone"])  # fmt: skip
    session.add(home)
    session.flush()
    start = event.starts_at + timedelta(hours=4)
    visit = SupportEvent(kind=VISIT, place_id=home.id, starts_at=start,
                         ends_at=start + timedelta(hours=1), status=DONE)  # fmt: skip
    session.add(visit)
    session.flush()
    record(session, visit, {"people_served": 1, "paper_apps": 1})
    return out


def personal_strings() -> list[str]:
    out = []
    for p in PEOPLE:
        out += [p["name"], p["name"][:2], p["kana"], p["phone"], p["app_id"], p["my_number"],
                p["phone"][-8:], "+81" + p["phone"][1:]]  # fmt: skip
    return out


def first_venue(events: list) -> object:
    return next(e for e in events if e.kind == "venue")
