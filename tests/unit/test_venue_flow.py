"""Booking a venue place through the conversation core, driven with plain objects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.bookings import ACTIVE, Booking, WaitingListEntry
from models.conversations import Conversation
from models.events import Slot
from tests.booking_factories import venue_event
from tests.unit.booking_driver import (  # noqa: F401
    USER,
    booking_session,
    open_venue,
    send,
    templates,
    values,
)


def to_party(session, event, *, user=USER):
    """Choose the venue menu, confirm the address, the event and its first slot: the flow
    then asks the party size."""
    open_venue(session, user=user)
    send(session, value=f"ev:{event.id}", user=user)
    return send(session, value=f"slot:{event.slots[0].id}", user=user)


def to_confirm(session, event, *, party="n:2", phone_text=None, user=USER):
    """Answer every booking question: the flow then asks to confirm."""
    to_party(session, event, user=user)
    send(session, value=party, user=user)
    if phone_text:
        return send(session, "text", text=phone_text, user=user)
    return send(session, value="skip", user=user)


def book_through(session, event, *, party="n:2", phone_text=None, user=USER):
    to_confirm(session, event, party=party, phone_text=phone_text, user=user)
    return send(session, value="yes", user=user)


def test_the_venue_menu_shows_open_events_as_cards_with_places_left(session):
    event = venue_event(session)
    replies = open_venue(session)
    assert templates(replies) == ["venue/choose_event"]
    card = replies[0].payload["cards"][0]
    assert "12月5日(土)" in card["title"] and "長府公民館" in card["title"]
    assert "地区:長府" in card["lines"] and "のこり:12人分" in card["lines"]
    assert card["choices"][0].value == f"ev:{event.id}"


def test_no_open_event_says_so_and_leaves_the_flow(session):
    venue_event(session, status="approved")  # not open yet: not offered
    replies = send(session, value="menu:venue")
    assert templates(replies) == ["venue/none"]
    assert "menu:visit" in values(replies)


def test_a_whole_booking_gives_a_code_and_what_to_bring(session):
    event = venue_event(session)
    replies = book_through(session, event, phone_text="090-1234-5678")
    assert templates(replies) == ["venue/booked"]
    text = replies[0].text()
    booking = session.scalars(select(Booking)).one()
    assert booking.code in text and "交付時来庁方式" in text and "本人確認" in text
    assert booking.party_size == 2 and booking.phone == "09012345678"
    assert booking.status == ACTIVE and booking.channel == "sandbox"
    assert session.get(Slot, event.slots[0].id).booked == 2
    assert "menu:bookings" in values(replies)


def test_booking_code_is_short_and_unambiguous(session):
    event = venue_event(session)
    book_through(session, event)
    code = session.scalars(select(Booking.code)).one()
    assert len(code) == 6 and not set(code) & set("01OIL")


def test_a_double_tap_on_confirm_books_once(session):
    event = venue_event(session)
    book_through(session, event)
    replies = send(session, value="yes")
    assert session.scalars(select(Booking)).all().__len__() == 1
    assert "venue/booked" not in templates(replies)


@pytest.mark.parametrize("party", ["0", "99", "-1", "two", "", "1.5", "9" * 40])
def test_a_party_size_outside_one_to_six_is_refused(session, party):
    event = venue_event(session)
    to_party(session, event)
    replies = send(session, "text", text=party)
    # Asked again (the FAQ may answer a text it recognises first; never a booking step).
    assert templates(replies)[-1] == "venue/ask_party"
    assert "venue/ask_phone" not in templates(replies)
    assert "party" not in session.scalars(select(Conversation)).one().data


@pytest.mark.parametrize("value", ["n:0", "n:99", "n:7", "n:", "n:x"])
def test_a_party_button_value_outside_the_range_is_refused(session, value):
    event = venue_event(session)
    to_party(session, event)
    replies = send(session, value=value)
    assert templates(replies)[0].startswith("venue/party_")
    assert templates(replies)[-1] == "venue/ask_party"


@pytest.mark.parametrize("typed", ["３人", "3", " 3 "])
def test_a_typed_party_size_in_full_width_digits_is_understood(session, typed):
    event = venue_event(session)
    to_party(session, event)
    replies = send(session, "text", text=typed)
    assert templates(replies) == ["venue/ask_phone"]


def test_a_party_larger_than_the_places_left_is_refused(session):
    event = venue_event(session, capacity=2)
    to_party(session, event)
    replies = send(session, value="n:3")
    assert templates(replies) == ["venue/party_more_than_left", "venue/ask_party"]


def test_a_bad_phone_number_is_asked_again(session):
    event = venue_event(session)
    to_party(session, event)
    send(session, value="n:1")
    replies = send(session, "text", text="12345")
    assert templates(replies) == ["bookings/bad_phone", "venue/ask_phone"]


def test_a_slot_that_filled_meanwhile_offers_another_time(session):
    event = venue_event(session, capacity=2)
    to_confirm(session, event, party="n:2")
    event.slots[0].booked = 2  # somebody else took it meanwhile
    session.flush()
    replies = send(session, value="yes")
    assert templates(replies) == ["venue/slot_full", "venue/ask_slot"]
    assert f"slot:{event.slots[0].id}" not in values(replies)


def test_a_full_event_offers_the_waiting_list(session):
    event = venue_event(session, slots=1, capacity=1)
    event.slots[0].booked = 1
    session.flush()
    open_venue(session)
    replies = send(session, value=f"ev:{event.id}")
    assert templates(replies) == ["venue/full", "venue/ask_waitlist"]
    replies = send(session, value="yes")
    assert templates(replies) == ["venue/waitlist_joined"]
    entry = session.scalars(select(WaitingListEntry)).one()
    assert entry.event_id == event.id and entry.status == "waiting"


def test_the_last_place_taken_while_confirming_leads_to_the_waiting_list(session):
    event = venue_event(session, slots=1, capacity=1)
    to_confirm(session, event, party="n:1")
    event.slots[0].booked = 1
    session.flush()
    replies = send(session, value="yes")
    assert templates(replies) == ["venue/full", "venue/ask_waitlist"]


def test_a_second_booking_for_the_same_event_is_refused(session):
    event = venue_event(session)
    book_through(session, event)
    open_venue(session)
    replies = send(session, value=f"ev:{event.id}")
    assert templates(replies) == ["venue/already_booked"]


@pytest.mark.parametrize("value", ["ev:abc", "ev:", "ev:99999", "slot:1", "garbage" * 50])
def test_a_forged_or_unknown_event_value_is_refused_politely(session, value):
    venue_event(session)
    open_venue(session)
    replies = send(session, value=value)
    assert templates(replies)[-1] == "venue/choose_event"


def test_a_past_event_is_not_offered(session):
    from tests.booking_factories import jst

    venue_event(session, start=jst(2026, 11, 28, 10))
    assert templates(send(session, value="menu:venue")) == ["venue/none"]


def test_every_label_fits_line_limits(session):
    event = venue_event(session, slots=14)
    open_venue(session)
    replies = send(session, value=f"ev:{event.id}")
    choices = [c for r in replies for c in r.choices]
    assert 1 < len(choices) <= 13
    assert all(len(c.label) <= 20 and len(c.value) <= 300 for c in choices)
