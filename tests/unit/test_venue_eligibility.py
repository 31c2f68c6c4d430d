"""Only residents with an address in the city may book a venue place (下関市内に住所を有している者).

The venue flow asks first: an area button, a postal code (Japan Post data through
models/postal.py) or 「下関市の外」. Anyone outside is refused politely, with the city's
number from city.yaml, and never reaches the events.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.areas import all_areas
from models.bookings import Booking
from models.city import city
from models.conversations import Conversation
from tests.booking_factories import venue_event
from tests.unit.booking_driver import (  # noqa: F401
    booking_session,
    open_venue,
    send,
    templates,
    values,
)


def _flow(session) -> Conversation:
    return session.scalars(select(Conversation)).one()


def test_the_venue_menu_asks_for_the_address_before_showing_any_event(session):
    venue_event(session)
    replies = send(session, value="menu:venue")
    assert templates(replies) == ["venue/ask_residence"]
    text = replies[0].text()
    assert city().name in text and "住所" in text and "郵便番号" in text
    assert not any(v.startswith("ev:") for v in values(replies))


def test_the_area_buttons_fit_line_and_every_area_and_the_outside_choice_can_be_reached(session):
    venue_event(session)
    replies = send(session, value="menu:venue")
    seen: set[str] = set()
    for _page in range(3):
        choices = [c for r in replies for c in r.choices]
        assert len(choices) <= 13 and all(len(c.label) <= 20 for c in choices)
        assert "area:outside" in {c.value for c in choices}
        seen |= {c.value for c in choices}
        replies = send(session, value="area:more")
        assert templates(replies) == ["venue/ask_residence"]
    assert {f"area:{a.code}" for a in all_areas()} <= seen


def test_an_area_in_the_city_opens_the_event_list_and_shows_on_the_confirmation(session):
    event = venue_event(session)
    replies = open_venue(session, value="area:chofu")
    assert templates(replies) == ["venue/choose_event"]
    send(session, value=f"ev:{event.id}")
    send(session, value=f"slot:{event.slots[0].id}")
    send(session, value="n:1")
    replies = send(session, value="skip")
    assert templates(replies) == ["venue/confirm"]
    assert "お住まい:下関市 長府地区" in replies[0].text()


@pytest.mark.parametrize("typed", ["7520927", "752-0927", "７５２－０９２７", "〒752 0927"])
def test_a_postal_code_in_the_city_is_accepted_however_it_is_written(session, typed):
    venue_event(session)
    replies = open_venue(session, text=typed)
    assert templates(replies) == ["venue/choose_event"]
    assert _flow(session).data["residence_postal"] == "7520927"
    assert _flow(session).data["residence_area"] == "chofu"


@pytest.mark.parametrize("typed", ["長府", "ちょうふ", "彦島に住んでいます"])
def test_an_area_name_typed_or_spoken_is_accepted(session, typed):
    venue_event(session)
    replies = open_venue(session, text=typed)
    assert templates(replies) == ["venue/choose_event"]


def test_choosing_outside_the_city_is_refused_politely_with_the_citys_number(session):
    venue_event(session)
    replies = open_venue(session, value="area:outside")
    assert templates(replies) == ["venue/not_eligible"]
    text = replies[0].text()
    assert "申し訳ありません" in text and city().contacts.city_phone in text
    assert city().contacts.city_section in text
    assert "menu:venue" in values(replies)  # the main menu, the flow is over
    assert _flow(session).flow is None


def test_a_postal_code_outside_the_city_is_refused_names_the_place_and_may_be_corrected(session):
    event = venue_event(session)
    replies = open_venue(session, text="802-0001")  # 北九州市小倉北区
    assert templates(replies) == ["venue/postal_outside_city", "venue/ask_residence"]
    text = replies[0].text()
    assert "北九州市" in text and city().contacts.city_phone in text
    assert not any(v.startswith("ev:") for v in values(replies))
    replies = send(session, value=f"ev:{event.id}")  # a forged event value does not skip the check
    assert templates(replies)[-1] == "venue/ask_residence"
    replies = send(session, "text", text="7520927")  # corrected
    assert templates(replies) == ["bookings/ask_purpose"]
    replies = send(session, value="purpose:first")
    assert templates(replies) == ["venue/choose_event"]


def test_nobody_outside_the_city_can_book(session):
    event = venue_event(session)
    open_venue(session, text="8020001")
    for value in (f"ev:{event.id}", f"slot:{event.slots[0].id}", "n:1", "skip", "yes"):
        send(session, value=value)
    assert session.scalars(select(Booking)).all() == []


def test_an_unknown_postal_code_is_asked_again(session):
    venue_event(session)
    replies = open_venue(session, text="7509999")
    assert templates(replies) == ["visit/postal_unknown", "venue/ask_residence"]


@pytest.mark.parametrize("value", ["area:nowhere", "area:", "ev:1", "x" * 300])
def test_a_forged_or_unknown_residence_value_is_asked_again(session, value):
    venue_event(session)
    replies = open_venue(session, value=value)
    assert templates(replies) == ["venue/residence_unknown", "venue/ask_residence"]


def test_going_back_from_the_events_asks_the_address_again(session):
    venue_event(session)
    open_venue(session)
    replies = send(session, value="g:back")
    assert templates(replies) == ["bookings/ask_purpose"]
    replies = send(session, value="g:back")
    assert templates(replies) == ["venue/ask_residence"]


def test_with_no_open_event_nobody_is_asked_for_an_address(session):
    replies = send(session, value="menu:venue")
    assert templates(replies) == ["venue/none"]
