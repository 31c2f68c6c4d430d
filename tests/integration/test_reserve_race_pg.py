"""Racing for the last places on PostgreSQL: the database decides, exactly."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from handlers.contract import Inbound
from handlers.dispatch import dispatch
from models.bookings import ACTIVE, Booking, book
from models.events import Slot
from tests.booking_factories import NOW, venue_event
from tests.conftest import TEST_KEY

RESIDENTS = 50


@pytest.fixture
def pg(pg_url):
    """The app's database bound to a private PostgreSQL schema with every table."""
    from models.crypto import Keyring, install_keyring
    from models.db import db
    from tests.conftest import _fresh_database

    _fresh_database(pg_url)
    install_keyring(Keyring.from_setting(TEST_KEY))
    db.bind(pg_url)
    yield db
    db.engine.dispose()


def _send(db, user: str, **kw):
    with db.unit_of_work() as s:
        outcome = dispatch(s, Inbound("sandbox", user, "choice", at=NOW, **kw), NOW)
        s.commit()
        return [r.template for r in outcome.replies]


def test_fifty_residents_racing_for_the_last_three_places_get_three_bookings(pg):
    with pg.unit_of_work() as s:
        event = venue_event(s, slots=1, capacity=50)
        slot_id = event.slots[0].id
        event_id = event.id
        s.get(Slot, slot_id).booked = 47  # three places left
        s.commit()
    users = [f"U{i:032x}" for i in range(RESIDENTS)]
    for user in users:  # everyone walks up to the confirm step first
        for value in ("menu:venue", "area:honcho", "purpose:first", f"ev:{event_id}", f"slot:{slot_id}", "n:1", "skip"):
            _send(pg, user, value=value)
    barrier = threading.Barrier(RESIDENTS)

    def confirm(user: str):
        barrier.wait()
        return _send(pg, user, value="yes")

    with ThreadPoolExecutor(RESIDENTS) as pool:
        outcomes = list(pool.map(confirm, users))
    booked = [o for o in outcomes if o[0] == "venue/booked"]
    full = [o for o in outcomes if o[0] == "venue/full"]
    assert len(booked) == 3 and len(full) == 47
    assert all(o == ["venue/full", "venue/ask_waitlist"] for o in full)
    with pg.reader() as s:
        assert s.get(Slot, slot_id).booked == 50
        assert s.scalar(select(func.count(Booking.id)).where(Booking.status == ACTIVE)) == 3


def test_one_resident_tapping_ten_times_at_once_holds_one_booking(pg):
    from models.residents import get_or_create_resident

    with pg.unit_of_work() as s:
        event = venue_event(s, slots=2, capacity=20)
        slot_ids = [sl.id for sl in event.slots]
        resident_id = get_or_create_resident(s, "line", "U" + "c" * 32).id
        s.commit()
    barrier = threading.Barrier(10)

    def tap(i: int) -> str:
        barrier.wait()
        with pg.unit_of_work() as s:
            result = book(s, resident_id=resident_id, slot_id=slot_ids[i % 2], party_size=2,
                          channel="line")  # fmt: skip
            s.commit()
            return result.outcome

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(tap, range(10)))
    assert outcomes.count("booked") == 1
    assert outcomes.count("already_booked") == 9
    with pg.reader() as s:
        rows = s.scalars(select(Booking).where(Booking.resident_id == resident_id)).all()
        assert len(rows) == 1
        assert sum(s.get(Slot, i).booked for i in slot_ids) == 2


def test_the_database_refuses_a_second_active_booking_even_without_the_code(pg):
    from sqlalchemy.exc import IntegrityError

    from models.residents import get_or_create_resident

    with pg.unit_of_work() as s:
        event = venue_event(s)
        resident_id = get_or_create_resident(s, "line", "U" + "d" * 32).id
        for code in ("AAAAAA", "BBBBBB"):
            s.add(Booking(code=code, resident_id=resident_id, event_id=event.id,
                          slot_id=event.slots[0].id, party_size=1, channel="line"))  # fmt: skip
        with pytest.raises(IntegrityError):
            s.flush()
