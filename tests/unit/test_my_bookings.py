"""My bookings: list, change (atomic move), cancel (waiting list told), visit-date answers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.bookings import ACTIVE, CANCELLED, Booking, WaitingListEntry, book, join_waiting_list
from models.events import Slot
from models.outbox import OutboxMessage
from models.residents import get_or_create_resident
from models.visits import VisitRequest, propose
from tests.booking_factories import NOW, jst, venue_event
from tests.unit.booking_driver import (  # noqa: F401
    USER,
    booking_session,
    open_venue,
    send,
    templates,
    values,
)

OTHER = "U" + "e" * 32


def resident(session, user=USER):
    return get_or_create_resident(session, "line", user)


def booked(session, event, slot_index=0, party=2, user=USER):
    result = book(session, resident_id=resident(session, user).id,
                  slot_id=event.slots[slot_index].id, party_size=party, channel="line")  # fmt: skip
    assert result.outcome == "booked"
    return result.booking


def test_no_bookings_says_so_and_shows_the_menu(session):
    replies = send(session, value="menu:bookings")
    assert templates(replies) == ["bookings/none"]
    assert "menu:venue" in values(replies)


def test_the_list_shows_each_booking_with_change_and_cancel(session):
    event = venue_event(session)
    booking = booked(session, event)
    replies = send(session, value="menu:bookings")
    assert templates(replies) == ["bookings/list"]
    card = replies[0].payload["cards"][0]
    assert booking.code in " ".join(card["lines"])
    assert [c.value for c in card["choices"]] == [
        f"chg:{booking.id}", f"ppl:{booking.id}", f"cxl:{booking.id}"
    ]  # fmt: skip
    assert [c.label for c in card["choices"]] == ["日時を変える", "人数を変える", "予約を取り消す"]


def test_the_party_of_a_venue_booking_grows_only_into_free_places_and_shrinks(session):
    event = venue_event(session)
    booking = booked(session, event, party=2)
    slot = session.get(Slot, booking.slot_id)
    taken_by_others = slot.capacity - 3  # one place left beside this booking's two
    session.add(Booking(code="OTHERS", resident_id=resident(session, OTHER).id, event_id=event.id,
                        slot_id=slot.id, party_size=taken_by_others, channel="line"))  # fmt: skip
    slot.booked += taken_by_others
    session.flush()
    send(session, value="menu:bookings")
    replies = send(session, value=f"ppl:{booking.id}")
    assert templates(replies) == ["bookings/ask_party"] and "g:back" in values(replies)
    assert "いまは2人" in replies[0].text()
    replies = send(session, value="n:5")
    assert templates(replies)[0] == "bookings/party_full" and "あと3人分" in replies[0].text()
    assert booking.party_size == 2
    replies = send(session, value="n:3")
    assert "申請する人を3人に変えました" in replies[0].text()
    session.refresh(slot)
    assert booking.party_size == 3 and slot.booked == slot.capacity
    send(session, value="menu:bookings")
    send(session, value=f"ppl:{booking.id}")
    send(session, value="n:1")
    session.refresh(slot)
    assert booking.party_size == 1 and slot.booked == slot.capacity - 2


def test_someone_elses_booking_cannot_be_touched(session):
    event = venue_event(session)
    theirs = booked(session, event, user=OTHER)
    booked(session, event)
    send(session, value="menu:bookings")
    replies = send(session, value=f"cxl:{theirs.id}")
    assert templates(replies)[0] == "bookings/not_found"
    assert theirs.status == ACTIVE


def test_a_change_moves_the_booking_atomically_and_keeps_the_code(session):
    event = venue_event(session)
    booking = booked(session, event)
    code = booking.code
    send(session, value="menu:bookings")
    replies = send(session, value=f"chg:{booking.id}")
    assert f"slot:{event.slots[0].id}" not in values(replies)
    replies = send(session, value=f"slot:{event.slots[1].id}")
    assert templates(replies) == ["bookings/moved"]
    assert booking.slot_id == event.slots[1].id and booking.code == code
    assert [session.get(Slot, s.id).booked for s in event.slots] == [0, 2, 0]


def test_a_move_into_a_slot_that_filled_meanwhile_changes_nothing(session):
    event = venue_event(session, capacity=2)
    booking = booked(session, event)
    send(session, value="menu:bookings")
    send(session, value=f"chg:{booking.id}")
    event.slots[1].booked = 1  # one place left, the party is two
    session.flush()
    replies = send(session, value=f"slot:{event.slots[1].id}")
    assert templates(replies)[0] == "venue/slot_full"
    assert booking.slot_id == event.slots[0].id
    assert [session.get(Slot, s.id).booked for s in event.slots[:2]] == [2, 1]


def test_a_move_to_another_event_frees_the_old_place_for_the_waiting_list(session):
    first = venue_event(session, slots=1, capacity=2)
    second = venue_event(session, jst(2026, 12, 6, 10))
    booking = booked(session, first)
    join_waiting_list(session, resident(session, OTHER).id, first.id, 1)
    send(session, value="menu:bookings")
    send(session, value=f"chg:{booking.id}")
    send(session, value="other")
    send(session, value=f"ev:{second.id}")
    replies = send(session, value=f"slot:{second.slots[0].id}")
    assert templates(replies) == ["bookings/moved"]
    assert booking.event_id == second.id
    offer = session.scalars(select(OutboxMessage)).one()
    assert offer.source == "waitlist" and offer.resident_id == resident(session, OTHER).id


def test_cancel_frees_the_place_at_once_and_offers_it_to_the_first_waiting(session):
    event = venue_event(session, slots=1, capacity=2)
    booking = booked(session, event)
    first = join_waiting_list(session, resident(session, OTHER).id, event.id, 1)
    join_waiting_list(session, resident(session, "U" + "f" * 32).id, event.id, 1)
    send(session, value="menu:bookings")
    assert templates(send(session, value=f"cxl:{booking.id}")) == ["bookings/ask_cancel"]
    replies = send(session, value="yes")
    assert templates(replies) == ["bookings/cancelled"]
    assert booking.status == CANCELLED and session.get(Slot, event.slots[0].id).booked == 0
    offers = session.scalars(select(OutboxMessage)).all()
    assert len(offers) == 1 and offers[0].resident_id == first.resident_id
    reply = offers[0].payload["replies"][0]
    assert reply["template"] == "bookings/waitlist_offer"
    assert session.get(WaitingListEntry, first.id).status == "offered"


def test_the_offered_resident_sees_that_event_first(session):
    venue_event(session, jst(2026, 12, 4, 10))
    event = venue_event(session, jst(2026, 12, 9, 10))
    entry = join_waiting_list(session, resident(session).id, event.id)
    entry.status = "offered"
    replies = open_venue(session)
    assert replies[0].payload["cards"][0]["choices"][0].value == f"ev:{event.id}"


def test_keeping_the_booking_changes_nothing(session):
    event = venue_event(session)
    booking = booked(session, event)
    send(session, value="menu:bookings")
    send(session, value=f"cxl:{booking.id}")
    assert templates(send(session, value="no")) == ["bookings/kept"]
    assert booking.status == ACTIVE


def test_a_second_cancel_of_the_same_booking_does_nothing(session):
    event = venue_event(session)
    booking = booked(session, event)
    for _ in range(2):
        send(session, value="menu:bookings")
        send(session, value=f"cxl:{booking.id}")
        send(session, value="yes")
    assert session.get(Slot, event.slots[0].id).booked == 0
    assert session.scalars(select(Booking)).one().status == CANCELLED


def _request(session):
    req = VisitRequest(resident_id=resident(session).id, kind="home", postal_code="7508521",
                       address="南部町1-1", applicants=1, preferred=[], contact_phone="0832311111",
                       channel="line")  # fmt: skip
    session.add(req)
    session.flush()
    return req


def test_a_proposed_visit_date_is_accepted_in_chat(session):
    req = _request(session)
    proposal = propose(session, req, jst(2026, 12, 3, 10), jst(2026, 12, 3, 11), NOW)
    replies = send(session, value="menu:bookings")
    assert f"vp:{proposal.id}:yes" in values(replies)
    replies = send(session, value=f"vp:{proposal.id}:yes")
    assert templates(replies) == ["bookings/proposal_accepted"]
    assert proposal.status == "accepted" and proposal.answered_at is not None


def test_a_declined_visit_date_goes_back_to_staff(session):
    req = _request(session)
    proposal = propose(session, req, jst(2026, 12, 3, 10), jst(2026, 12, 3, 11), NOW)
    send(session, value="menu:bookings")
    assert templates(send(session, value=f"vp:{proposal.id}:no")) == ["bookings/proposal_declined"]
    assert proposal.status == "declined" and req.status == "received"


def test_an_old_proposal_cannot_be_answered_after_a_new_one(session):
    req = _request(session)
    old = propose(session, req, jst(2026, 12, 3, 10), jst(2026, 12, 3, 11), NOW)
    propose(session, req, jst(2026, 12, 4, 10), jst(2026, 12, 4, 11), NOW + timedelta(hours=1))
    send(session, value="menu:bookings")
    assert templates(send(session, value=f"vp:{old.id}:yes")) == ["bookings/proposal_closed"]
