"""Defect notice (不備): a resident got a notice that their application has a
defect. We take a short description (speech or text), open an inquiry of
category "defect" for staff and, on the phone, a callback task.

Kept deliberately small: a full defect-case model comes in a later issue;
it can take over from ``open_defect_case`` (the one hook to replace).
"""

from __future__ import annotations

from handlers.contract import Choice, Reply
from handlers.flows.engine import END, Flow, Retry, Step, register
from handlers.handoff import answer_expectation
from handlers.text import render
from handlers.turn import Turn
from models.inquiries import open_inquiry
from models.phone import request_callback

FLOW = "defect"
SKIP = "defect:skip"
MAX_SUMMARY = 500


def ask_detail(turn: Turn) -> None:
    """Asks what the notice says (free speech or text; a key skips)."""
    from handlers.phone import voice_label

    turn.add(Reply("defect/ask", choices=[Choice(voice_label("skip"), SKIP)], expects_speech=True))


def answer_detail(turn: Turn) -> str | Retry:
    """Stores nothing in the flow: opens the case with the (redacted) description."""
    inbound = turn.inbound
    detail = None
    if inbound.kind == "text":
        detail = (inbound.text or "").strip()[:MAX_SUMMARY] or None
    elif inbound.value != SKIP:
        return Retry([Reply("defect/need_detail")])
    open_defect_case(turn, detail)
    return END


def open_defect_case(turn: Turn, detail: str | None) -> None:
    """Inquiry (category defect, bot not paused) + a callback task when we have a phone."""
    summary = render("defect/summary", detail=detail, channel=turn.inbound.channel)
    inquiry = open_inquiry(
        turn.session,
        turn.resident,
        channel=turn.inbound.channel,
        category="defect",
        summary=summary,
        pause_bot=False,
        now=turn.now,
    )
    if turn.resident.phone:
        request_callback(
            turn.session,
            resident_id=turn.resident.id,
            reason="defect",
            phone=turn.resident.phone,
            inquiry_id=inquiry.id,
            now=turn.now,
        )
    turn.add(
        Reply(
            "defect/opened",
            {
                "inquiry_id": inquiry.id,
                "by_phone": bool(turn.resident.phone),
                **answer_expectation(turn.now),
            },
        )
    )


register(Flow(FLOW, "detail", {"detail": Step(ask_detail, answer_detail)}))
