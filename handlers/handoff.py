"""Handing a resident to a person, and telling them when to expect an answer.

While a person has the conversation (``while_handed_over``, issue 19) free text
is theirs and the bot stays silent, with three exceptions: buttons under a
notice staff (or the schedule) sent — ``PASS_THROUGH`` prefixes, e.g. a visit
date proposal's 「この日でよい」 — work as always; 「メニュー」「やめる」 end the
hand-over at once (the inquiry stays open for staff, who find a line in the
transcript); any other button (an old menu, the rich menu) gets an offer with
「自動の案内に戻る」/「このまま待つ」. On the phone there is no hand-over silence:
a caller hears the menu, and 0 reaches a person about the waiting inquiry.

Complaints take this path too: words of complaint (``handlers.complaints``,
``data/complaint_words.yaml``) hand the resident to a person with the inquiry
marked a complaint, and the city is told at once; while a person already has
the conversation, such words mark the open inquiry.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from handlers.complaints import BOT, is_complaint, mark_complaint
from handlers.contract import Choice, Reply
from handlers.text import label, render
from handlers.turn import Turn
from models.conversations import clear
from models.inquiries import CLOSED, Inquiry, open_inquiry, tapped_label
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


# Buttons that answer a notice staff (or the schedule) sent: they work during a
# hand-over. One-shot answers only — a button that starts a multi-step flow
# would leave the resident mid-flow while the bot is silent.
PASS_THROUGH: list[str] = ["vp:", "defect:seen:"]
LEAVE = ("g:menu", "g:stop")
WAIT = "handoff:wait"
NOTE = "handoff/note"  # the template name marking a staff-only transcript line


def register_pass_through(prefix: str) -> None:
    """Let a notice's buttons work while a person has the conversation."""
    if prefix not in PASS_THROUGH:
        PASS_THROUGH.append(prefix)


def while_handed_over(turn: Turn, value: str | None) -> bool:
    """A person has the conversation: True when this turn is handled (or stays silent),
    False when it should run as usual (a button staff sent)."""
    inbound = turn.inbound
    if value in LEAVE:
        resident_leaves(turn, value)
        return True
    if inbound.kind == "choice":
        if value and any(value.startswith(p) for p in PASS_THROUGH):
            return False
        if value == WAIT:
            turn.add(Reply("handoff/keep_waiting"))
            return True
        if value and value.startswith(GO):
            # "Yes, leave the person and go on": the hand-over ends, the tap runs as usual.
            _leave_quietly(turn, value[len(GO):])
            turn.inbound = dataclasses.replace(inbound, value=value[len(GO):])
            return False
        flow = flow_of(value)
        inquiry_id = turn.resident.handoff_inquiry_id or 0
        sms = inbound.channel == "sms"
        if flow is not None and value:
            turn.add(offer_flow(inquiry_id, flow, value, sms=sms))
        else:
            turn.add(offer_to_leave(inquiry_id, sms=sms))
        return True
    note_complaint(turn)  # words of complaint still reach the city
    return True  # free text is for the person: the bot stays silent


GO = "handoff:go:"
# Buttons that start a flow, by prefix, and the label naming it (issue 19): during
# a hand-over the resident is asked whether to leave the person for *that* flow.
FLOW_LABELS: tuple[tuple[str, str], ...] = (
    ("menu:venue", "venue"),
    ("book:", "book_renewal"),
    ("menu:visit", "visit"),
    ("menu:bookings", "bookings"),
    ("chg:", "bookings"),
    ("ppl:", "bookings"),
    ("cxl:", "bookings"),
    ("vcx:", "bookings"),
    ("vap:", "bookings"),
    ("vdt:", "bookings"),
    ("menu:faq", "faq"),
    ("faq:", "faq"),
    ("menu:defect", "defect"),
    ("defect:", "defect"),
    ("menu:notices", "notices"),
    ("notices:", "notices"),
)


def flow_of(value: str | None) -> str | None:
    """The label naming the flow a button starts, if it starts one."""
    if not value:
        return None
    return next((name for prefix, name in FLOW_LABELS if value.startswith(prefix)), None)


def offer_to_leave(inquiry_id: int, *, sms: bool = False) -> Reply:
    return Reply(
        "handoff/offer_menu",
        {"inquiry_id": inquiry_id, "sms": sms},
        [Choice(label("end_handoff"), "g:menu"), Choice(label("keep_waiting"), WAIT)],
    )


def offer_flow(inquiry_id: int, flow: str, value: str, *, sms: bool = False) -> Reply:
    """「担当者とのやりとりを終えて『予約の確認・変更』に進みますか」: the tapped flow named."""
    return Reply(
        "handoff/offer_flow",
        {"inquiry_id": inquiry_id, "flow": label(flow), "sms": sms},
        [Choice(label("handoff_go"), GO + value), Choice(label("keep_waiting"), WAIT)],
    )


def _leave_quietly(turn: Turn, value: str) -> None:
    """The hand-over ends because the resident went on to a flow; staff see a line."""
    inquiry_id = turn.resident.handoff_inquiry_id or 0
    inquiry = turn.session.get(Inquiry, inquiry_id)
    turn.resident.handoff_inquiry_id = None
    if inquiry is not None:
        inquiry.handed_back_at = turn.now
    said = tapped_label(turn.session, turn.resident.id, value) or label(flow_of(value) or "menu")
    turn.staff_notes.append(render("transcript/resident_left", said=said, inquiry_id=inquiry_id))


def resident_leaves(turn: Turn, value: str) -> None:
    """「メニュー」「やめる」 during a hand-over: back to the bot at once, politely.

    The inquiry stays open (staff may still answer it, in the inbox as before);
    staff find a line in the transcript saying the resident went back to the menu.
    """
    from handlers import menu

    inquiry_id = turn.resident.handoff_inquiry_id or 0
    inquiry = turn.session.get(Inquiry, inquiry_id)
    turn.resident.handoff_inquiry_id = None
    if inquiry is not None:
        inquiry.handed_back_at = turn.now
    clear(turn.conversation)
    said = turn.inbound.text or tapped_label(turn.session, turn.resident.id, value) or label(
        "menu" if value == "g:menu" else "stop"
    )
    turn.staff_notes.append(render("transcript/resident_left", said=said, inquiry_id=inquiry_id))
    turn.add(Reply("handoff/resident_left", {"inquiry_id": inquiry_id}))
    turn.add(menu.main_menu())
