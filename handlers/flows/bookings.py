"""My bookings: list, change (an atomic move), cancel; answer a proposed visit date.

list → change: slot (same event) or other event → slot → moved
     → cancel: confirm → cancelled (the place goes to the waiting list)
     → visit proposal: accept / decline.
Diagram: docs/bookings.md.
"""

from __future__ import annotations

from handlers import booking_rules as rules
from handlers import booking_views as views
from handlers import visit_notices
from handlers.contract import Choice, Reply
from handlers.flows.engine import END, Flow, Retry, Step, register
from handlers.numbers import record_id
from handlers.routes import register_choice_route
from handlers.text import label, render
from handlers.turn import Turn
from models import bookings, visits
from models.audit import audit
from models.events import OPEN, VENUE, get_event, get_slot, upcoming_events


def _booking(turn: Turn) -> bookings.Booking | None:
    booking = turn.session.get(bookings.Booking, int(turn.data.get("booking_id") or 0))
    if booking is None or booking.resident_id != turn.resident.id:
        return None
    return booking if booking.status == bookings.ACTIVE else None


def _booking_card(booking: bookings.Booking) -> dict:
    ctx = views.booking_context(booking)
    return {
        "title": render("bookings/card_title", **ctx),
        "lines": render("bookings/card_lines", **ctx).splitlines(),
        "choices": [
            Choice(label("change_booking"), f"chg:{booking.id}"),
            Choice(label("change_party"), f"ppl:{booking.id}"),
            Choice(label("cancel_booking"), f"cxl:{booking.id}"),
        ],
    }


def _request_card(request: visits.VisitRequest) -> dict:
    proposal = request.pending_proposal()
    ctx = {
        "number": request.id,
        "status": request.status,
        "kind": request.kind,
        "proposal": views.when(proposal.starts_at, proposal.ends_at) if proposal else None,
    }
    choices = []
    if proposal is not None:
        choices = [
            Choice(label("accept_date"), f"vp:{proposal.id}:yes"),
            Choice(label("decline_date"), f"vp:{proposal.id}:no"),
        ]
    if request.status in visits.REDATABLE:
        choices.append(Choice(label("other_visit_date"), f"vdt:{request.id}"))
    if request.status != visits.SCHEDULED:
        choices.append(Choice(label("change_applicants"), f"vap:{request.id}"))
    choices.append(Choice(label("cancel_request"), f"vcx:{request.id}"))
    return {
        "title": render("bookings/request_title", **ctx),
        "lines": render("bookings/request_lines", **ctx).splitlines(),
        "choices": choices,
    }


def ask_list(turn: Turn) -> None:
    """Shows active bookings and open visit requests, each with its buttons."""
    mine = bookings.resident_bookings(turn.session, turn.resident.id, turn.now)
    requests = visits.resident_requests(turn.session, turn.resident.id)
    if not mine and not requests:
        views.leave_flow(turn, Reply("bookings/none"))
        return
    cards = [_booking_card(b) for b in mine] + [_request_card(r) for r in requests]
    cards = cards[: views.MAX_CARDS]
    choices = [c for card in cards for c in card["choices"]][:12]
    choices.append(Choice(label("menu"), "g:menu"))
    context = {"bookings": len(mine), "requests": len(requests)}
    text = render("bookings/list", **context)
    payload = {"type": "cards", "alt": text, "cards": cards}
    turn.add(Reply("bookings/list", context, choices, payload))


def answer_list(turn: Turn) -> str | Retry:
    """Stores the booking to change or cancel, or records a visit-date answer."""
    value = turn.inbound.value or ""
    for prefix, step in (("chg", "move_slot"), ("ppl", "party"), ("cxl", "cancel")):
        booking_id = views.id_of(value, prefix)
        if booking_id is not None:
            turn.remember(booking_id=booking_id, move_event_id=None)
            if _booking(turn) is None:
                return Retry([Reply("bookings/not_found")])
            return step
    if value.startswith("vp:"):
        return _answer_proposal(turn, value)
    for prefix, step in (("vcx", "cancel_request"), ("vap", "applicants"), ("vdt", "redate")):
        request_id = views.id_of(value, prefix)
        if request_id is not None:
            turn.remember(request_id=request_id, dates=[])
            if _request(turn) is None:
                return Retry([Reply("bookings/not_found")])
            return step
    return Retry([Reply("venue/choose_from_list")])


def _request(turn: Turn) -> visits.VisitRequest | None:
    request = turn.session.get(visits.VisitRequest, int(turn.data.get("request_id") or 0))
    if request is None or request.resident_id != turn.resident.id:
        return None
    return request if request.status in visits.OPEN_REQUEST else None


def ask_cancel_request(turn: Turn) -> None:
    """Asks to confirm calling the visit off."""
    request = _request(turn)
    if request is None:
        views.leave_flow(turn, Reply("bookings/not_found"))
        return
    event = request.event_id and get_event(turn.session, request.event_id)
    context = {"number": request.id, "w": views.when(event.starts_at, event.ends_at) if event else None}
    choices = [*views.yes_no("cancel_request", "keep_booking"), Choice(label("back"), "g:back")]
    turn.add(Reply("bookings/ask_cancel_request", context, choices))


def answer_cancel_request(turn: Turn) -> str | Retry:
    """Cancels the request (and its visit on the schedule); staff see it; ends."""
    if turn.inbound.value not in ("yes", "no"):
        return Retry([Reply("venue/answer_yes_no")])
    request = _request(turn)
    if turn.inbound.value == "no" or request is None:
        views.leave_flow(turn, Reply("bookings/request_kept" if request else "bookings/not_found"))
        return END
    visit_notices.cancelled_by_resident(turn.session, request, turn.now)
    views.leave_flow(turn, Reply("bookings/request_cancelled", {"number": request.id}))
    return END


def _max_applicants(request: visits.VisitRequest) -> int:
    return int(rules.limits()["max_applicants"][request.kind or "home"])


def ask_applicants(turn: Turn) -> None:
    """Asks for the new number of applicants."""
    request = _request(turn)
    if request is None:
        views.leave_flow(turn, Reply("bookings/not_found"))
        return
    top = _max_applicants(request)
    choices = [Choice(label("people", n=n), f"n:{n}") for n in range(1, min(top, 6) + 1)]
    choices.append(Choice(label("back"), "g:back"))
    turn.add(Reply("bookings/ask_applicants", {"now": request.applicants, "max": top}, choices))


def answer_applicants(turn: Turn) -> str | Retry:
    """Stores the new number on the request (staff see it); ends."""
    request = _request(turn)
    if request is None:
        views.leave_flow(turn, Reply("bookings/not_found"))
        return END
    top = _max_applicants(request)
    raw = turn.inbound.value if turn.inbound.kind == "choice" else turn.inbound.text
    n = rules.parse_count((raw or "").removeprefix("n:"), 1, top)
    if isinstance(n, str):
        return Retry([Reply(f"visit/applicants_{n}", {"max": top})])
    request.applicants = n
    audit(turn.session, f"resident:{turn.resident.id}", "applicants", f"visit_request:{request.id}")
    choices = [Choice(label("bookings"), "menu:bookings"), Choice(label("menu"), "g:menu")]
    views.leave_flow(turn, Reply("bookings/applicants_changed",
                                 {"number": request.id, "applicants": n}, choices))  # fmt: skip
    return END


def ask_redate(turn: Turn) -> None:
    """Asks for new preferred dates with the same picker and rules as a new request."""
    from handlers.flows import visit

    request = _request(turn)
    if request is None or request.status not in visits.REDATABLE:
        views.leave_flow(turn, Reply("bookings/not_found"))
        return
    visit.ask_dates(turn)


def answer_redate(turn: Turn) -> str | Retry:
    """Collects up to three dates; then they replace the old ones and staff propose again."""
    from handlers.flows import visit

    outcome = visit.answer_dates(turn)
    if isinstance(outcome, Retry) or outcome == "dates":
        return "redate" if outcome == "dates" else outcome
    request = _request(turn)
    dates = list(turn.data.get("dates") or [])
    if request is None or not visits.redate_by_resident(request, dates, turn.now):
        views.leave_flow(turn, Reply("bookings/not_found"))
        return END
    audit(turn.session, f"resident:{turn.resident.id}", "redated", f"visit_request:{request.id}")
    turn.staff_notes.append(render("transcript/visit_redated", number=request.id,
                                   dates=[views.when(visits_at(d)) for d in dates]))  # fmt: skip
    choices = [Choice(label("bookings"), "menu:bookings"), Choice(label("menu"), "g:menu")]
    context = {"number": request.id, "dates": [views.when(visits_at(d)) for d in dates]}
    views.leave_flow(turn, Reply("bookings/redated", context, choices))
    return END


def visits_at(iso: str):
    from datetime import datetime

    return datetime.fromisoformat(iso)


def _answer_proposal(turn: Turn, value: str) -> str | Retry:
    parts = value.split(":")
    proposal_id = record_id(parts[1]) if len(parts) == 3 else None
    if proposal_id is None or parts[2] not in ("yes", "no"):
        return Retry([Reply("venue/choose_from_list")])
    proposal = turn.session.get(visits.VisitProposal, proposal_id)
    if proposal is None or proposal.request.resident_id != turn.resident.id:
        return Retry([Reply("bookings/not_found")])
    accepted = parts[2] == "yes"
    context = {"w": views.when(proposal.starts_at, proposal.ends_at), "number": proposal.request_id}
    if not visits.answer_proposal(proposal, accepted, turn.now):
        views.leave_flow(turn, Reply("bookings/proposal_closed", context))
        return END
    template = "bookings/proposal_accepted" if accepted else "bookings/proposal_declined"
    views.leave_flow(turn, Reply(template, context))
    return END


def _target_event_id(turn: Turn, booking: bookings.Booking) -> int:
    return int(turn.data.get("move_event_id") or booking.event_id)


def ask_move_slot(turn: Turn) -> None:
    """Offers the free slots (for the whole party) of the booking's or the chosen event."""
    booking = _booking(turn)
    if booking is None:
        views.leave_flow(turn, Reply("bookings/not_found"))
        return
    event = get_event(turn.session, _target_event_id(turn, booking))
    choices = views.slot_choices(turn.session, event.id, turn.now, booking.party_size)
    choices = [c for c in choices if c.value != f"slot:{booking.slot_id}"][:11]
    choices.append(Choice(label("other_dates"), "other"))
    choices.append(Choice(label("back"), "g:back"))
    context = {**views.event_context(event), "any": len(choices) > 2}
    turn.add(Reply("bookings/ask_move_slot", context, choices))


def answer_move_slot(turn: Turn) -> str | Retry:
    """Moves the booking atomically to the chosen slot; ends."""
    if turn.inbound.value == "other":
        return "move_event"
    booking = _booking(turn)
    slot = get_slot(turn.session, views.id_of(turn.inbound.value, "slot") or 0)
    if booking is None or slot is None or slot.starts_at <= turn.now:
        return Retry([Reply("venue/choose_from_list")])
    old_event = booking.event
    result = bookings.move_booking(turn.session, booking, slot.id)
    if result.outcome == bookings.MOVED:
        if old_event.id != booking.event_id:
            views.offer_freed_place(turn.session, old_event, turn.now)
        choices = [Choice(label("bookings"), "menu:bookings"), Choice(label("menu"), "g:menu")]
        views.leave_flow(turn, Reply("bookings/moved", views.booking_context(booking), choices))
        return END
    if result.outcome == bookings.FULL:
        return Retry([Reply("venue/slot_full")])
    if result.outcome == bookings.ALREADY_BOOKED:
        return Retry([Reply("bookings/move_already_booked")])
    return Retry([Reply("venue/choose_from_list")])


def ask_move_event(turn: Turn) -> None:
    """Shows other open venue events to move to."""
    summaries = upcoming_events(turn.session, turn.now, VENUE, limit=views.MAX_CARDS)
    if not summaries:
        views.leave_flow(turn, Reply("venue/none"))
        return
    reply = views.event_cards(summaries, "bookings/choose_event")
    reply.choices.insert(-1, Choice(label("back"), "g:back"))
    turn.add(reply)


def answer_move_event(turn: Turn) -> str | Retry:
    """Stores move_event_id; offers its slots."""
    event = get_event(turn.session, views.id_of(turn.inbound.value, "ev") or 0)
    if event is None or event.kind != VENUE or event.status != OPEN:
        return Retry([Reply("venue/event_gone")])
    turn.remember(move_event_id=event.id)
    return "move_slot"


def ask_party(turn: Turn) -> None:
    """Asks how many people now come to the venue booking."""
    booking = _booking(turn)
    if booking is None:
        views.leave_flow(turn, Reply("bookings/not_found"))
        return
    top = rules.limits()["max_party"]
    choices = [Choice(label("people", n=n), f"n:{n}") for n in range(1, top + 1)][:12]
    choices.append(Choice(label("back"), "g:back"))
    turn.add(Reply("bookings/ask_party", {**views.booking_context(booking), "max": top}, choices))


def answer_party(turn: Turn) -> str | Retry:
    """Takes or gives back places in the same slot; ends (or asks again when full)."""
    booking = _booking(turn)
    if booking is None:
        views.leave_flow(turn, Reply("bookings/not_found"))
        return END
    top = rules.limits()["max_party"]
    raw = turn.inbound.value if turn.inbound.kind == "choice" else turn.inbound.text
    n = rules.parse_count((raw or "").removeprefix("n:"), 1, top)
    if isinstance(n, str):
        return Retry([Reply(f"venue/party_{n}", {"max": top})])
    before = booking.party_size
    result = bookings.resize_booking(turn.session, booking, n)
    if result.outcome == bookings.FULL:
        left = booking.slot.places_left + before
        return Retry([Reply("bookings/party_full", {"left": left, "party": n})])
    if result.outcome == bookings.CLOSED:
        views.leave_flow(turn, Reply("bookings/not_found"))
        return END
    if n < before:
        views.offer_freed_place(turn.session, booking.event, turn.now)
    audit(turn.session, f"resident:{turn.resident.id}", "party_size", f"booking:{booking.id}")
    choices = [Choice(label("bookings"), "menu:bookings"), Choice(label("menu"), "g:menu")]
    views.leave_flow(turn, Reply("bookings/party_changed", views.booking_context(booking), choices))
    return END


def ask_cancel(turn: Turn) -> None:
    """Asks to confirm the cancellation."""
    booking = _booking(turn)
    if booking is None:
        views.leave_flow(turn, Reply("bookings/not_found"))
        return
    choices = views.yes_no("cancel_booking", "keep_booking")
    turn.add(Reply("bookings/ask_cancel", views.booking_context(booking), choices))


def answer_cancel(turn: Turn) -> str | Retry:
    """Cancels (the place is freed at once and offered to the waiting list); ends."""
    if turn.inbound.value not in ("yes", "no"):
        return Retry([Reply("venue/answer_yes_no")])
    booking = _booking(turn)
    if turn.inbound.value == "no" or booking is None:
        views.leave_flow(turn, Reply("bookings/kept" if booking else "bookings/not_found"))
        return END
    bookings.cancel_booking(turn.session, booking, turn.now)
    views.offer_freed_place(turn.session, booking.event, turn.now)
    views.leave_flow(turn, Reply("bookings/cancelled", views.booking_context(booking)))
    return END


register(
    Flow(
        "bookings",
        "list",
        {
            "list": Step(ask_list, answer_list),
            "move_slot": Step(ask_move_slot, answer_move_slot),
            "move_event": Step(ask_move_event, answer_move_event),
            "party": Step(ask_party, answer_party),
            "cancel": Step(ask_cancel, answer_cancel),
            "cancel_request": Step(ask_cancel_request, answer_cancel_request),
            "applicants": Step(ask_applicants, answer_applicants),
            "redate": Step(ask_redate, answer_redate),
        },
    )
)


def answer_proposal_anywhere(turn: Turn) -> None:
    """A tap on a pushed proposal's accept/decline button, outside this flow."""
    outcome = _answer_proposal(turn, turn.inbound.value or "")
    if isinstance(outcome, Retry):
        turn.replies.extend(outcome.replies)


register_choice_route("vp:", answer_proposal_anywhere)
