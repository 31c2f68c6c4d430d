"""Building booking replies shared by the venue, visit and my-bookings flows.

Dates reach templates as JSON-safe pieces (``when``), so that the same
context works in a conversation reply and in a queued push; the wording of
dates lives in ``templates/messages/bookings/macros.txt``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.contract import Choice, Reply
from handlers.menu import main_menu_choices
from handlers.notify import notify
from handlers.numbers import record_id
from handlers.text import label, render
from handlers.turn import Turn
from models.areas import get_area
from models.bookings import OFFERED, Booking, next_waiting
from models.conversations import clear
from models.events import EventSummary, SupportEvent, free_slots
from scheduler.business_calendar import JST

MAX_CARDS = 10  # LINE allows 12 bubbles; 10 keeps the quick replies in step
MAX_SLOT_CHOICES = 12  # 13 quick replies: the slots and one "back"


def when(start: datetime, end: datetime | None = None) -> dict[str, Any]:
    """A time span as JSON-safe parts for the ``when``/``day`` macros."""
    s = start.astimezone(JST)
    e = (end or start).astimezone(JST)
    return {
        "date": s.date().isoformat(),
        "year": s.year,
        "month": s.month,
        "day": s.day,
        "wd": s.weekday(),
        "start": s.strftime("%H:%M"),
        "end": e.strftime("%H:%M"),
    }


def area_name(code: str | None) -> str:
    area = get_area(code) if code else None
    return area.name if area else ""


def event_context(event: SupportEvent) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "w": when(event.starts_at, event.ends_at),
        "place": event.place.name,
        "address": event.place.address or "",
        "area": area_name(event.place.area),
    }


def booking_context(booking: Booking) -> dict[str, Any]:
    return {
        **event_context(booking.event),
        "code": booking.code,
        "party": booking.party_size,
        "slot": when(booking.slot.starts_at, booking.slot.ends_at),
    }


def id_of(value: str | None, prefix: str) -> int | None:
    """``ev:12`` → 12 for prefix ``ev``; None for anything else."""
    if not value or not value.startswith(prefix + ":"):
        return None
    rest = value[len(prefix) + 1 :]
    return record_id(rest)


def event_cards(
    summaries: list[EventSummary], template: str, *, button: str = "choose_event"
) -> Reply:
    """A carousel of events (date, place, area, places left), one button each.

    The same events are offered as numbered choices too, so that the phone
    can read them out; on LINE they appear as quick replies under the carousel.
    """
    cards, choices = [], []
    for summary in summaries[:MAX_CARDS]:
        ctx = {**event_context(summary.event), "left": summary.places_left}
        value = f"ev:{summary.event.id}"
        cards.append(
            {
                "title": render("venue/card_title", **ctx),
                "lines": render("venue/card_lines", **ctx).splitlines(),
                "choices": [Choice(label(button), value)],
            }
        )
        choices.append(Choice(label("event_short", w=ctx["w"], area=ctx["area"]), value))
    text = render(template, count=len(cards))
    choices.append(Choice(label("menu"), "g:menu"))
    payload = {"type": "cards", "alt": text, "cards": cards}
    return Reply(template, {"count": len(cards)}, choices=choices, payload=payload)


def slot_choices(session: Session, event_id: int, now: datetime, n: int = 1) -> list[Choice]:
    slots = free_slots(session, event_id, now, n)[:MAX_SLOT_CHOICES]
    choices = [
        Choice(label("slot", w=when(s.starts_at, s.ends_at), left=s.places_left), f"slot:{s.id}")
        for s in slots
    ]
    return choices


def leave_flow(turn: Turn, reply: Reply) -> None:
    """Nothing to do in this flow: say so, show the menu and leave the flow."""
    if not reply.choices:
        reply.choices = main_menu_choices()
    turn.add(reply)
    clear(turn.conversation)


def yes_no(yes: str = "yes", no: str = "no") -> list[Choice]:
    return [Choice(label(yes), "yes"), Choice(label(no), "no")]


def offer_freed_place(session: Session, event: SupportEvent, now: datetime) -> int | None:
    """Tell the first resident on the event's waiting list whose party fits; their id."""
    left = max((s.places_left for s in free_slots(session, event.id, now)), default=0)
    if left < 1:
        return None
    entry = next_waiting(session, event.id, left)
    if entry is None:
        return None
    entry.status = OFFERED
    entry.offered_at = now
    reply = Reply(
        "bookings/waitlist_offer",
        event_context(event),
        choices=[Choice(label("venue"), "menu:venue"), Choice(label("menu"), "g:menu")],
    )
    notify(session, entry.resident_id, [reply], source="waitlist")
    return entry.resident_id
