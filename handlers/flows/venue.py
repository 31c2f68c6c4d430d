"""Booking a place at a pop-up venue (kaijo-secchi-gata).

residence → purpose → event → slot → party → phone → confirm → booked; the
purpose (a first application or a card renewal, ``handlers/purpose.py``) is
not asked when the flow was started for a renewal; a full event
(or a slot that filled meanwhile) leads to the waiting list. Only residents
with an address in the city may apply (handlers/residence.py): anyone else
is refused politely with the city's number. Diagram: docs/bookings.md.
"""

from __future__ import annotations

from handlers import booking_rules as rules
from handlers import booking_views as views
from handlers import purpose, residence
from handlers.contract import Choice, Reply
from handlers.flows.engine import END, Flow, Retry, Step, register
from handlers.text import label
from handlers.turn import Turn
from models import bookings
from models.events import OPEN, VENUE, get_event, get_slot, upcoming_events


def _value(turn: Turn) -> str:
    return (turn.inbound.value if turn.inbound.kind == "choice" else turn.inbound.text) or ""


def _event(turn: Turn):
    event = get_event(turn.session, int(turn.data.get("event_id") or 0))
    if event is None or event.kind != VENUE or event.status != OPEN or event.ends_at <= turn.now:
        return None
    return event


def ask_residence(turn: Turn) -> None:
    """Asks where the applicants live: an area button or a postal code (or outside the city)."""
    if not upcoming_events(turn.session, turn.now, VENUE, limit=1):
        views.leave_flow(turn, Reply("venue/none"))
        return
    page = int(turn.data.get("residence_page") or 0)
    choices = residence.ask_choices(voice=turn.voice, page=page)
    turn.add(Reply("venue/ask_residence", choices=choices, expects_speech=True))


def answer_residence(turn: Turn) -> str | Retry:
    """Stores residence_area (and residence_postal); shows the events, or refuses."""
    found = residence.judge(turn.inbound.kind, turn.inbound.value, turn.inbound.text)
    if found.outcome == residence.INSIDE:
        turn.remember(residence_area=found.area, residence_postal=found.postal)
        return "event" if turn.data.get("purpose") else "purpose"
    if found.outcome == residence.NEXT_PAGE:
        turn.remember(residence_page=int(turn.data.get("residence_page") or 0) + 1)
        return Retry()
    if found.outcome == residence.REFUSED:
        views.leave_flow(turn, Reply("venue/not_eligible"))
        return END
    context = {"code": found.code, "where": found.where}
    return Retry([Reply(RESIDENCE_PROBLEMS[found.outcome], context)])


RESIDENCE_PROBLEMS = {
    residence.OUTSIDE_CODE: "venue/postal_outside_city",
    residence.UNKNOWN_CODE: "visit/postal_unknown",
    residence.NOT_UNDERSTOOD: "venue/residence_unknown",
}


def ask_event(turn: Turn) -> None:
    """Shows the upcoming open venue events (an offered one first)."""
    summaries = upcoming_events(turn.session, turn.now, VENUE, limit=views.MAX_CARDS)
    if not summaries:
        views.leave_flow(turn, Reply("venue/none"))
        return
    offered = set(bookings.offered_events(turn.session, turn.resident.id))
    summaries.sort(key=lambda s: s.event.id not in offered)
    turn.add(views.event_cards(summaries, "venue/choose_event"))


def answer_event(turn: Turn) -> str | Retry:
    """Stores event_id; asks for a slot, or offers the waiting list when full."""
    event_id = views.id_of(turn.inbound.value, "ev")
    if event_id is None:
        return Retry([Reply("venue/choose_from_list")])
    turn.remember(event_id=event_id)
    event = _event(turn)
    if event is None:
        return Retry([Reply("venue/event_gone")])
    existing = bookings.active_booking(turn.session, turn.resident.id, event.id)
    if existing is not None:
        turn.add(_already_booked(existing))
        return END
    if not views.slot_choices(turn.session, event.id, turn.now):
        turn.add(Reply("venue/full", views.event_context(event)))
        return "waitlist"
    return "slot"


def ask_slot(turn: Turn) -> None:
    """Asks for a time slot of the chosen event (only slots with places left)."""
    event = _event(turn)
    choices = views.slot_choices(turn.session, event.id, turn.now) if event else []
    choices.append(Choice(label("back"), "g:back"))
    turn.add(Reply("venue/ask_slot", views.event_context(event) if event else {}, choices))


def answer_slot(turn: Turn) -> str | Retry:
    """Stores slot_id; asks for the party size."""
    event = _event(turn)
    if event is None:
        return Retry([Reply("venue/event_gone")])
    slot = get_slot(turn.session, views.id_of(turn.inbound.value, "slot") or 0)
    if slot is None or slot.event_id != event.id or slot.starts_at <= turn.now:
        return Retry([Reply("venue/choose_from_list")])
    if slot.places_left < 1:
        if not views.slot_choices(turn.session, event.id, turn.now):
            turn.add(Reply("venue/full", views.event_context(event)))
            return "waitlist"
        return Retry([Reply("venue/slot_full")])
    turn.remember(slot_id=slot.id)
    return "party"


def ask_party(turn: Turn) -> None:
    """Asks how many people apply together (a family may apply at once)."""
    top = rules.limits()["max_party"]
    choices = [Choice(label("people", n=n), f"n:{n}") for n in range(1, top + 1)]
    turn.add(Reply("venue/ask_party", {"max": top}, choices[:12]))


def answer_party(turn: Turn) -> str | Retry:
    """Stores party; asks for an optional phone number."""
    top = rules.limits()["max_party"]
    raw = _value(turn).removeprefix("n:")
    n = rules.parse_count(raw, 1, top)
    if isinstance(n, str):
        return Retry([Reply(f"venue/party_{n}", {"max": top})])
    slot = get_slot(turn.session, int(turn.data.get("slot_id") or 0))
    if slot is None or slot.places_left < n:
        left = slot.places_left if slot else 0
        return Retry([Reply("venue/party_more_than_left", {"left": left, "party": n})])
    turn.remember(party=n)
    return "phone"


def ask_phone(turn: Turn) -> None:
    """Asks for a phone number for follow-up (optional)."""
    turn.add(Reply("venue/ask_phone", choices=[Choice(label("skip_phone"), "skip")]))


def answer_phone(turn: Turn) -> str | Retry:
    """Stores phone (or none); asks to confirm."""
    if turn.inbound.kind == "choice" and turn.inbound.value == "skip":
        turn.remember(phone=None)
        return "confirm"
    phone = rules.parse_phone(turn.inbound.text)
    if phone == rules.BAD_PHONE:
        return Retry([Reply("bookings/bad_phone")])
    turn.remember(phone=phone)
    return "confirm"


def ask_confirm(turn: Turn) -> None:
    """Shows the summary and asks to book."""
    event, slot = _event(turn), get_slot(turn.session, int(turn.data.get("slot_id") or 0))
    if event is None or slot is None:
        turn.add(Reply("venue/event_gone", choices=views.yes_no("book", "no_thanks")))
        return
    context = {
        **views.event_context(event),
        "slot": views.when(slot.starts_at, slot.ends_at),
        "party": turn.data.get("party"),
        "phone": turn.data.get("phone"),
        "residence_area": views.area_name(turn.data.get("residence_area")),
        "purpose": turn.data.get("purpose"),
    }
    turn.add(Reply("venue/confirm", context, views.yes_no("book", "no_thanks")))


def answer_confirm(turn: Turn) -> str | Retry:
    """Books (one conditional update); tells the code, or why not."""
    if turn.inbound.value == "no":
        views.leave_flow(turn, Reply("venue/not_booked"))
        return END
    if turn.inbound.value != "yes":
        return Retry([Reply("venue/answer_yes_no")])
    result = bookings.book(
        turn.session,
        resident_id=turn.resident.id,
        slot_id=int(turn.data.get("slot_id") or 0),
        party_size=int(turn.data.get("party") or 1),
        channel=turn.inbound.channel,
        phone=turn.data.get("phone"),
        reason=turn.data.get("purpose"),
    )
    return OUTCOMES[result.outcome](turn, result)


def _booked(turn: Turn, result: bookings.BookingResult) -> str:
    bookings.settle_waiting(turn.session, turn.resident.id, result.booking.event_id)
    choices = [Choice(label("bookings"), "menu:bookings"), Choice(label("menu"), "g:menu")]
    context = views.booking_context(result.booking)
    turn.add(Reply("venue/booked", context, choices))
    if turn.voice:
        # A caller has nothing to keep the booking code in: send it by SMS.
        from handlers.phone import confirm_by_sms

        confirm_by_sms(turn, Reply("venue/booked_sms", context))
    return END


def _full(turn: Turn, _result: bookings.BookingResult) -> str:
    event = _event(turn)
    party = int(turn.data.get("party") or 1)
    if event is not None and views.slot_choices(turn.session, event.id, turn.now, party):
        turn.add(Reply("venue/slot_full"))
        return "slot"
    turn.add(Reply("venue/full", views.event_context(event) if event else {"place": ""}))
    return "waitlist" if event is not None else END


def _already(turn: Turn, result: bookings.BookingResult) -> str:
    turn.add(_already_booked(result.booking))
    return END


def _closed(turn: Turn, _result: bookings.BookingResult) -> str:
    views.leave_flow(turn, Reply("venue/event_gone"))
    return END


def _already_booked(booking: bookings.Booking) -> Reply:
    choices = [Choice(label("bookings"), "menu:bookings"), Choice(label("menu"), "g:menu")]
    return Reply("venue/already_booked", views.booking_context(booking), choices)


OUTCOMES = {
    bookings.BOOKED: _booked,
    bookings.FULL: _full,
    bookings.ALREADY_BOOKED: _already,
    bookings.CLOSED: _closed,
}


def ask_waitlist(turn: Turn) -> None:
    """Asks whether to join the waiting list of the full event."""
    turn.add(Reply("venue/ask_waitlist", choices=views.yes_no("join_waitlist", "no_thanks")))


def answer_waitlist(turn: Turn) -> str | Retry:
    """Joins (or not) the waiting list; ends."""
    if turn.inbound.value not in ("yes", "no"):
        return Retry([Reply("venue/answer_yes_no")])
    event = _event(turn)
    if turn.inbound.value == "yes" and event is not None:
        party = int(turn.data.get("party") or 1)
        bookings.join_waiting_list(turn.session, turn.resident.id, event.id, party)
        views.leave_flow(turn, Reply("venue/waitlist_joined", views.event_context(event)))
    else:
        views.leave_flow(turn, Reply("venue/not_booked"))
    return END


register(
    Flow(
        "venue",
        "residence",
        {
            "residence": Step(ask_residence, answer_residence),
            "purpose": purpose.step("event"),
            "event": Step(ask_event, answer_event),
            "slot": Step(ask_slot, answer_slot),
            "party": Step(ask_party, answer_party),
            "phone": Step(ask_phone, answer_phone),
            "confirm": Step(ask_confirm, answer_confirm),
            "waitlist": Step(ask_waitlist, answer_waitlist),
        },
    )
)
