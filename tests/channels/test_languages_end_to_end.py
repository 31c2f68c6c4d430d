"""Each flow end to end on LINE in each language (issue 17), every request checked
by the LINE stand-in against LINE's spec (labels ≤ 20, text ≤ 5,000 …)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from models.bookings import Booking
from models.db import db
from models.locales import LOCALES
from models.visits import VisitRequest
from scheduler.business_calendar import JST, add_business_days
from tests.booking_factories import venue_event
from tests.console_helpers import escalate
from tests.line_helpers import Resident, quick_values, texts

FOREIGN = [loc for loc in LOCALES if loc != "ja"]
# Template sentences of standard Japanese must not reach a resident reading another
# language (place names from the city's data may stay Japanese).
JAPANESE_SENTENCE = re.compile(r"(ください|します。|しました|ません|でした|ですか|ましょう)")


def _no_japanese(locale: str, messages) -> None:
    if locale == "ja_easy":
        return  # やさしい日本語 is Japanese; its own test reads its wording
    said = texts(messages)
    assert not JAPANESE_SENTENCE.search(said), said[:400]


def _all_requests_ok(resident):
    assert all(r["status"] == 200 for r in resident.requests()), resident.requests()


def _event():
    day = datetime.now(JST).date() + timedelta(days=7)
    with db.unit_of_work() as s:
        event = venue_event(s, datetime.combine(day, time(10), JST))
        ids = event.id, [sl.id for sl in event.slots]
        s.commit()
    return ids


@pytest.mark.parametrize("locale", FOREIGN)
def test_a_venue_booking_listed_and_cancelled_in_each_language(live, new_user_id, locale):
    event_id, slots = _event()
    resident = Resident(live, new_user_id)
    _no_japanese(locale, resident.choose(f"lang:{locale}"))
    said = []
    for value in ("menu:venue", "area:chofu", "purpose:first", f"ev:{event_id}",
                  f"slot:{slots[0]}", "n:1", "skip", "yes"):  # fmt: skip
        said += resident.choose(value)
    with db.reader() as s:
        code = s.scalar(select(Booking.code))
    assert code and code in texts(said)
    listed = resident.choose("menu:bookings")
    cancel = next(v for v in quick_values(listed) if v.startswith("cxl:"))
    said += listed + resident.choose(cancel) + resident.choose("yes")
    with db.reader() as s:
        assert s.scalar(select(Booking.status)) == "cancelled"
    _no_japanese(locale, said)
    _all_requests_ok(resident)


@pytest.mark.parametrize("locale", FOREIGN)
def test_a_visit_request_in_each_language(live, new_user_id, locale):
    resident = Resident(live, new_user_id)
    said = resident.choose(f"lang:{locale}")
    said += resident.choose("menu:visit") + resident.choose("vk:home")
    said += resident.choose("purpose:first") + resident.say("750-8521")
    said += resident.say("1-1") + resident.choose("n:2")
    day = add_business_days(datetime.now(JST).date(), 5)
    said += resident.send("postback", data="pd",
                          extra={"params": {"datetime": f"{day.isoformat()}T10:00"}})  # fmt: skip
    said += resident.choose("done") + resident.choose("none") + resident.say("0832311111")
    said += resident.choose("yes")
    with db.reader() as s:
        assert s.scalar(select(VisitRequest.id)) is not None
    _no_japanese(locale, said)
    _all_requests_ok(resident)


@pytest.mark.parametrize("locale", FOREIGN)
def test_a_hand_off_and_a_defect_report_in_each_language(live, new_user_id, locale):
    resident = Resident(live, new_user_id)
    said = resident.choose(f"lang:{locale}")
    said += resident.choose("menu:defect")
    said += resident.choose("defect:reason:photo")
    assert texts(said).strip(), "the defect report got no answer"
    _no_japanese(locale, said)
    other = Resident(live, new_user_id[:-1] + ("0" if new_user_id[-1] != "0" else "1"))
    other.choose(f"lang:{locale}")
    assert escalate(other) > 0  # the hand-off became an inquiry for staff
    handed_off = other.requests_messages()
    assert texts(handed_off).strip(), "the hand-off got no answer"
    _no_japanese(locale, handed_off)
    _all_requests_ok(resident)


def test_switching_mid_conversation_keeps_the_booking_going(live, new_user_id):
    event_id, slots = _event()
    resident = Resident(live, new_user_id)
    for value in ("menu:venue", "area:chofu", "purpose:first", f"ev:{event_id}"):
        resident.choose(value)
    switched = resident.say("English")
    assert f"slot:{slots[0]}" in quick_values(switched)  # the same question, in English
    _no_japanese("en", switched)
    for value in (f"slot:{slots[0]}", "n:1", "skip", "yes"):
        resident.choose(value)
    with db.reader() as s:
        assert s.scalar(select(Booking.code))
