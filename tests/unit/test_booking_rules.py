"""The program's rules, checked directly: input, calendar, staffing, reserving."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers import booking_rules as rules
from models.bookings import CODE_ALPHABET, book, move_booking, new_code, normalize_code
from models.events import Slot, reserve
from models.staff import (
    CITY_OFFICIAL,
    DOUBLE_BOOKED,
    NEEDS_CITY_OFFICIAL,
    NEEDS_SITE_MANAGER,
    NEEDS_TWO_WORKERS,
    NO_PLEDGE,
    SITE_MANAGER,
    SITE_MANAGER_NOT_APPROVED,
    WORKER,
    RuleViolation,
    assign,
    staffing_errors,
)  # fmt: skip
from tests.booking_factories import NOW, jst, person, venue_event, visit_event
from tests.unit.booking_driver import booking_session  # noqa: F401


@pytest.mark.parametrize(
    "raw, expected",
    [("1", 1), ("６", 6), ("3人", 3), (" 2 名", 2), ("0", rules.TOO_SMALL),
     ("99", rules.TOO_LARGE), ("7", rules.TOO_LARGE), ("-1", rules.NOT_A_NUMBER),
     ("", rules.NOT_A_NUMBER), (None, rules.NOT_A_NUMBER), ("1e3", rules.NOT_A_NUMBER),
     ("9" * 50, rules.NOT_A_NUMBER)],
)  # fmt: skip
def test_party_size_is_one_to_six(raw, expected):
    assert rules.parse_count(raw, 1, rules.limits()["max_party"]) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [("090-1234-5678", "09012345678"), ("０８３（２３１）１１１１", "0832311111"),
     ("+81 90 1234 5678", "09012345678"), ("12345", rules.BAD_PHONE),
     ("abc", rules.BAD_PHONE), ("0901234567890", rules.BAD_PHONE), (None, rules.BAD_PHONE)],
)  # fmt: skip
def test_phone_numbers_are_japanese_numbers(raw, expected):
    assert rules.parse_phone(raw) == expected


@pytest.mark.parametrize(
    "params",
    [None, "2026-12-03T10:00", {"datetime": 5}, {"datetime": "2026-12-03 10:00"},
     {"datetime": "2026-12-03T10:00:00Z"}, {"date": "20261203"}, {"datetime": "9999-99-99T99:99"}],
)  # fmt: skip
def test_picker_garbage_is_recognised(params):
    assert rules.parse_picked(params) == rules.PICKER_GARBAGE


def test_a_picked_date_without_time_means_ten_oclock_in_tokyo():
    assert rules.parse_picked({"date": "2026-12-03"}) == jst(2026, 12, 3, 10)


def test_the_visit_window_starts_after_two_business_days():
    # Friday 4 Dec 2026: +2 business days is Tuesday 8 Dec.
    first, last = rules.visit_bounds(jst(2026, 12, 4, 15))
    assert first.isoformat() == "2026-12-08" and (last - first).days < 90


def test_booking_codes_avoid_look_alike_characters():
    codes = {new_code() for _ in range(500)}
    assert len(codes) > 490
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set(CODE_ALPHABET) & set("01OIL")


def test_a_typed_code_is_normalised():
    assert normalize_code(" ab2-３cd ") == "AB23CD"


def test_reserve_is_a_conditional_update(session):
    event = venue_event(session, slots=1, capacity=3)
    slot_id = event.slots[0].id
    assert reserve(session, slot_id, 2) is True
    assert reserve(session, slot_id, 2) is False
    assert reserve(session, slot_id, 1) is True
    assert reserve(session, slot_id, 1) is False
    assert session.get(Slot, slot_id).booked == 3


def test_reserve_refuses_an_event_that_is_not_open(session):
    event = venue_event(session, status="approved")
    assert reserve(session, event.slots[0].id, 1) is False


@pytest.mark.parametrize("n", [0, -1])
def test_reserve_refuses_nonsense_counts(session, n):
    event = venue_event(session)
    with pytest.raises(ValueError):
        reserve(session, event.slots[0].id, n)


def test_a_move_to_a_full_slot_leaves_both_counters_alone(session):
    from models.residents import get_or_create_resident

    event = venue_event(session, capacity=2)
    rid = get_or_create_resident(session, "line", "U" + "9" * 32).id
    booking = book(session, resident_id=rid, slot_id=event.slots[0].id, party_size=2,
                   channel="line").booking  # fmt: skip
    event.slots[1].booked = 2
    session.flush()
    assert move_booking(session, booking, event.slots[1].id).outcome == "full"
    assert [session.get(Slot, s.id).booked for s in event.slots[:2]] == [2, 2]


@pytest.mark.parametrize(
    "kind, place, start, end, expected",
    [
        ("venue", "venue", jst(2026, 12, 5, 10), jst(2026, 12, 5, 12), []),
        ("venue", "venue", jst(2026, 12, 5, 8), jst(2026, 12, 5, 12), ["outside_venue_hours"]),
        ("visit", "home", jst(2026, 12, 3, 10), jst(2026, 12, 3, 11), []),
        ("visit", "home", jst(2026, 12, 5, 10), jst(2026, 12, 5, 11), ["not_business_day"]),
        ("visit", "facility", jst(2026, 12, 3, 16), jst(2026, 12, 3, 18),
         ["outside_business_hours"]),
        ("visit", "venue", jst(2026, 12, 3, 10), jst(2026, 12, 3, 11), ["place_kind_mismatch"]),
        ("venue", "venue", jst(2026, 11, 30, 10), jst(2026, 11, 30, 11), ["in_the_past"]),
    ],
)  # fmt: skip
def test_event_times_follow_the_calendar(kind, place, start, end, expected):
    from datetime import time

    hours = (time(9), time(17)) if place == "venue" else None
    assert rules.event_time_errors(kind, place, hours, start, end, NOW) == expected


def test_an_event_needs_two_people_on_site_one_of_them_the_approved_site_manager(session):
    event = venue_event(session, status="approved")
    assert staffing_errors(session, event) == [NEEDS_TWO_WORKERS, NEEDS_SITE_MANAGER]
    assign(session, person(session).id, event, WORKER)
    assert staffing_errors(session, event) == [NEEDS_TWO_WORKERS, NEEDS_SITE_MANAGER]
    assign(session, person(session, SITE_MANAGER).id, event, SITE_MANAGER)
    assert staffing_errors(session, event) == []  # the site manager is the second person


def test_a_visit_also_needs_a_city_official(session):
    event = visit_event(session)
    for role in (WORKER, SITE_MANAGER):
        assign(session, person(session, role).id, event, role)
    assert staffing_errors(session, event) == [NEEDS_CITY_OFFICIAL]
    assign(session, person(session, CITY_OFFICIAL).id, event, CITY_OFFICIAL)
    assert staffing_errors(session, event) == []


def test_no_pledge_no_assignment(session):
    event = venue_event(session)
    with pytest.raises(RuleViolation) as exc:
        assign(session, person(session, pledge=False).id, event, WORKER)
    assert exc.value.codes == [NO_PLEDGE]


def test_an_unapproved_site_manager_is_refused(session):
    event = venue_event(session)
    with pytest.raises(RuleViolation) as exc:
        assign(session, person(session, SITE_MANAGER, approved=False).id, event, SITE_MANAGER)
    assert exc.value.codes == [SITE_MANAGER_NOT_APPROVED]


def test_nobody_is_in_two_places_at_once(session):
    first = venue_event(session, jst(2026, 12, 5, 10))
    second = venue_event(session, jst(2026, 12, 5, 11))
    staff = person(session)
    assign(session, staff.id, first, WORKER)
    with pytest.raises(RuleViolation) as exc:
        assign(session, staff.id, second, WORKER)
    assert exc.value.codes == [DOUBLE_BOOKED]


def test_a_cancelled_event_does_not_hold_its_staff(session):
    first = venue_event(session, jst(2026, 12, 5, 10))
    second = venue_event(session, jst(2026, 12, 5, 10) + timedelta(minutes=30))
    staff = person(session)
    assign(session, staff.id, first, WORKER)
    first.status = "cancelled"
    session.flush()
    assignment = assign(session, staff.id, second, WORKER)  # would raise staff_double_booked
    assert (assignment.staff_id, assignment.event_id) == (staff.id, second.id)
