"""Handing a resident to a person, and telling them when to expect an answer.

Complaints take this path too: words of complaint (``handlers.complaints``,
``data/complaint_words.yaml``) hand the resident to a person with the inquiry
marked a complaint, and the city is told at once; while a person already has
the conversation, such words mark the open inquiry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.complaints import BOT, is_complaint, mark_complaint
from handlers.contract import Reply
from handlers.turn import Turn
from models.conversations import clear
from models.inquiries import CLOSED, Inquiry, open_inquiry
from scheduler.business_calendar import (
    JST,
    business_hours,
    is_business_day,
    within_business_hours,
)


def answer_expectation(now: datetime) -> dict[str, object]:
    """Template context: staff are in now, or from which morning they are."""
    if within_business_hours(now):
        return {"in_hours": True}
    local = now.astimezone(JST)
    opening, _closing = business_hours()
    day = local.date()
    if not (is_business_day(day) and local.time() < opening):
        day += timedelta(days=1)
        while not is_business_day(day):
            day += timedelta(days=1)
    return {"in_hours": False, "next_day": day, "opening": opening}


def escalate(
    turn: Turn, *, category: str = "other", summary: str | None = None,
    template: str = "handoff/opened",
) -> Inquiry:  # fmt: skip
    """Open an inquiry, pause the bot for this resident, tell them what happens next."""
    inquiry = open_inquiry(
        turn.session,
        turn.resident,
        channel=turn.inbound.channel,
        category=category,
        summary=summary,
        now=turn.now,
    )
    clear(turn.conversation)
    turn.add(
        Reply(
            template,
            {"inquiry_id": inquiry.id, **answer_expectation(turn.now)},
            handoff=True,
        )
    )
    return inquiry


def complaint_words(turn: Turn) -> bool:
    """The resident typed (or said) a complaint, or asked to make one."""
    return turn.inbound.kind == "text" and is_complaint(turn.inbound.text)


def escalate_complaint(turn: Turn) -> None:
    """A complaint: to a person at once, marked as such, and the city told."""
    text = turn.inbound.text
    inquiry = escalate(turn, category="complaint", summary=text, template="handoff/complaint")
    mark_complaint(turn.session, inquiry, by=BOT, now=turn.now, text=text)


def note_complaint(turn: Turn) -> None:
    """While a person has the conversation (the bot is silent): complaint words make the
    open inquiry a complaint and tell the city, once."""
    if not complaint_words(turn) or turn.resident.handoff_inquiry_id is None:
        return
    inquiry = turn.session.get(Inquiry, turn.resident.handoff_inquiry_id)
    if inquiry is not None and inquiry.status != CLOSED:
        mark_complaint(turn.session, inquiry, by=BOT, now=turn.now, text=turn.inbound.text)
