"""Handing a resident to a person, and telling them when to expect an answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.contract import Reply
from handlers.turn import Turn
from models.conversations import clear
from models.inquiries import open_inquiry
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


def escalate(turn: Turn, *, category: str = "other", summary: str | None = None) -> None:
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
            "handoff/opened",
            {"inquiry_id": inquiry.id, **answer_expectation(turn.now)},
            handoff=True,
        )
    )
