"""The conversation core's entry point: one Inbound in, replies out.

``dispatch`` runs inside the adapter's unit of work and never commits.
Each inbound kind has a handler in ``KIND_HANDLERS``; text and choices go
through the global words first, then the current flow, then top-level routing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from handlers import defects, handoff, language, menu
from handlers.contract import Inbound, Reply
from handlers.flows import engine
from handlers.flows.registry import load_flows
from handlers.routes import choice_route
from handlers.text import label, render, use_locale
from handlers.turn import Turn
from handlers.words import asks_for_my_bookings, global_word
from models import deferred
from models.city import city
from models.conversations import Conversation, clear, expire_if_due, load_conversation, touch
from models.inquiries import log_line, tapped_label, transcript_row
from models.locales import for_channel
from models.outbox import mark_unreachable
from models.residents import Resident, get_or_create_resident, identity_kind
from models.split_numbers import catch_split_number


@dataclass(frozen=True)
class Outcome:
    resident_id: int
    replies: list[Reply]
    # Transcript rows left for the caller to write (``transcript="return"``).
    lines: list[dict] = field(default_factory=list)


def dispatch(
    session: Session,
    inbound: Inbound,
    now: datetime | None = None,
    *,
    resident: Resident | None = None,
    conversation: Conversation | None = None,
    transcript: str = "add",
) -> Outcome:
    """Handle one inbound event; the caller commits.

    A caller handling a batch passes the resident and conversation rows it has
    already locked (``lock_residents``, ``lock_conversations``) and
    ``transcript="return"``: the transcript lines come back in the outcome for
    it to write with the batch's (``write_lines``) instead of being added here.
    """
    load_flows()
    now = now or inbound.at
    if resident is None:
        resident = get_or_create_resident(
            session, identity_kind(inbound.channel), inbound.resident_key, lock=True
        )
    # Everything said in this turn is in the resident's language (issue 17); a
    # handler that switches it re-enters use_locale for the rest of the turn.
    with use_locale(for_channel(resident.language, inbound.channel)):
        return _dispatch(session, inbound, now, resident, conversation, transcript)


def _dispatch(
    session: Session,
    inbound: Inbound,
    now: datetime,
    resident: Resident,
    conversation: Conversation | None,
    transcript: str,
) -> Outcome:
    deferred.seen(session, resident, now)
    if inbound.channel in ("line", "sandbox") and inbound.kind != "unfollow":
        # Only a friend who has not blocked us can send anything: reachable,
        # even if their follow event predates us or was never delivered.
        if not resident.line_reachable:
            resident.line_reachable = True
    if inbound.kind == "text" and inbound.text:
        # A My Number split over this and the last one or two messages (issue 20).
        rest = catch_split_number(
            session, resident.id, inbound.channel, inbound.text, now,
            resident_key=inbound.resident_key,
        )  # fmt: skip
        if rest is not None:
            inbound = dataclasses.replace(inbound, text=rest, redacted=True)
    if conversation is None:
        conversation, expired = load_conversation(session, resident.id, inbound.channel, now)
    else:
        expired = expire_if_due(conversation, now)
    turn = Turn(session, inbound, resident, conversation, now)
    lines: list[dict] = []

    def log(row: dict) -> None:
        # Added at once (handlers may read the transcript), or returned to a batch.
        if transcript == "return":
            lines.append(row)
        else:
            log_line(session, **row)

    if inbound.text:
        log(transcript_row(resident.id, inbound.channel, "in", inbound.text, at=now))
    elif inbound.kind == "choice" and inbound.value:
        # A button tap or a key: staff read the label the resident saw, not postback data.
        log(transcript_row(resident.id, inbound.channel, "in", tap_text(turn), TAP, now))
    KIND_HANDLERS[inbound.kind](turn, expired)
    touch(session, conversation, now, int(city().conversation.expiry_minutes))
    for note in turn.staff_notes:  # what staff must know that the resident did not read
        log(transcript_row(resident.id, inbound.channel, "note", note, handoff.NOTE, now))
    for reply in turn.replies:
        text = reply.text(voice=turn.voice)
        choices = {c.value: c.label for c in reply.choices if c.kind != "uri"}
        log(transcript_row(resident.id, inbound.channel, "out", text, reply.template, now,
                           choices))  # fmt: skip
    return Outcome(resident.id, turn.replies, lines)


TAP = "transcript/tap"  # the template name that marks a transcript line as a button tap
GLOBAL_LABELS = {"g:menu": "menu", "g:stop": "stop", "g:back": "back", "g:person": "person",
                 "g:repeat": "repeat"}  # fmt: skip


def tap_text(turn: Turn) -> str:
    """The words on the button (or phone menu item) the resident chose."""
    value = turn.inbound.value or ""
    # The main menu (also the rich menu's tiles) and the phone menu need no query; then
    # the buttons of recent messages and notices; a global word's own label last
    # (「メニュー」 is also 「自動の案内に戻る」 under a hand-over offer).
    found = None
    if turn.voice:
        from handlers.phone import phone_main_menu

        found = next((c.label for _k, c in phone_main_menu() if c.value == value), None)
    if found is None:
        found = next((c.label for c in menu.main_menu_choices() if c.value == value), None)
    if found is None:
        found = tapped_label(turn.session, turn.resident.id, value)
    if found is None and value in GLOBAL_LABELS:
        found = label(GLOBAL_LABELS[value])
    if found is None:
        return render("transcript/tap_unknown")
    params = turn.inbound.params or {}
    picked = params.get("datetime") or params.get("date") or params.get("time")
    return render(TAP, label=found, picked=picked if isinstance(picked, str) else None)


def _on_follow(turn: Turn, _expired: bool) -> None:
    """Greeting and main menu; a returning resident starts afresh."""
    turn.resident.line_reachable = True
    clear(turn.conversation)
    turn.add(menu.main_menu("menu/greeting"))
    language.offer_from_profile(turn)  # their LINE app's language, if we serve it


def _on_unfollow(turn: Turn, _expired: bool) -> None:
    """The resident blocked the account: nothing can be sent to them any more."""
    turn.resident.line_reachable = False
    clear(turn.conversation)
    mark_unreachable(turn.session, turn.resident.id)


def _on_call_start(turn: Turn, _expired: bool) -> None:
    """The phone menu for every caller; one whose inquiry waits for staff hears that 0
    reaches a person about it (issue 19: no longer straight to voicemail)."""
    clear(turn.conversation)
    turn.add(menu.main_menu("menu/greeting"))
    if turn.resident.handoff_inquiry_id is not None:
        turn.add(Reply("handoff/waiting_menu", {"inquiry_id": turn.resident.handoff_inquiry_id}))


def _on_hangup(turn: Turn, _expired: bool) -> None:
    clear(turn.conversation)


def _on_media(turn: Turn, _expired: bool) -> None:
    """Photos, stickers, files: we read text only, and never want card photos."""
    if turn.resident.handoff_inquiry_id is not None:
        return
    turn.add(Reply("privacy/media_not_read"))
    if not engine.ask_again(turn):
        turn.add(menu.main_menu())


def _on_text_or_choice(turn: Turn, expired: bool) -> None:
    inbound = turn.inbound
    if inbound.redacted:
        turn.add(Reply("privacy/do_not_send_numbers"))
    value = inbound.value if inbound.kind == "choice" else global_word(inbound.text)
    if value == "g:unsubscribe":  # 配信停止 works everywhere, a person's hand-off included
        _unsubscribe(turn)
        return
    if language.handle(turn, value):  # a language chosen or named, at any moment (issue 17)
        return
    if turn.resident.handoff_inquiry_id is not None and not turn.voice:
        # A person has the conversation: free text is for them (the bot stays silent),
        # but 「メニュー」「やめる」, buttons staff sent and an offer to leave are ours.
        if handoff.while_handed_over(turn, value):
            return
        if turn.inbound.kind == "choice":
            value = turn.inbound.value  # the tap to go on with, once the hand-over ended
    if expired:
        turn.add(Reply("menu/expired", {"minutes": city().conversation.expiry_minutes}))
    action = GLOBAL_ACTIONS.get(value or "")
    if action is not None:
        action(turn)
        return
    if handoff.complaint_words(turn):
        # A complaint, at the top level or mid-flow: a person, and the city told at once.
        handoff.escalate_complaint(turn)
        return
    if turn.conversation.flow and engine.current(turn) is not None:
        _answer_step(turn)
        return
    _route_top_level(turn, value)


def _answer_step(turn: Turn) -> None:
    from handlers import faq_reply

    retry = engine.answer(turn)
    if retry is None:
        return
    if turn.inbound.kind == "text" and asks_for_my_bookings(turn.inbound.text):
        engine.start(turn, "bookings")  # the list, whatever the flow was asking
        return
    # Not a valid answer: it may be a question asked in the middle of the flow.
    if turn.inbound.kind == "text" and faq_reply.answer_if_confident(turn):
        turn.add(Reply("flow/resume"))
        engine.ask_again(turn)
        return
    turn.replies.extend(retry.replies)
    engine.ask_again(turn)


def _route_top_level(turn: Turn, value: str | None) -> None:
    from handlers import faq_reply

    inbound = turn.inbound
    if value is None and inbound.kind == "choice":
        value = inbound.value
    if value in menu.MENU_FLOWS:
        flow = menu.MENU_FLOWS[value]
        if flow in engine.FLOWS:
            engine.start(turn, flow)
        else:
            turn.add(menu.main_menu("menu/not_ready"))
        return
    # 「予約の確認」「予約をやめたい」: the bookings list, before the FAQ reads it.
    if inbound.kind == "text" and asks_for_my_bookings(inbound.text):
        engine.start(turn, "bookings")
        return
    # Defect notices (issue 7): 「不備の通知が来た」 (handlers/data/defect_words.yaml),
    # menu:defect and the buttons under a defect notice; handlers/defects.py decides.
    if defects.route(turn, value):
        return
    if value and faq_reply.handle_choice(turn, value):
        return
    route = choice_route(value)
    if route is not None:
        route(turn)
        return
    if inbound.kind == "text" and inbound.text:
        faq_reply.answer_top_level(turn, inbound.text)
        return
    if inbound.kind == "choice":
        # A button from an earlier message whose moment has passed.
        turn.add(menu.main_menu("menu/stale_choice"))
        return
    turn.add(menu.main_menu("menu/not_understood"))


def _menu(turn: Turn) -> None:
    clear(turn.conversation)
    turn.add(menu.main_menu())


def _stop(turn: Turn) -> None:
    was_in_flow = turn.conversation.flow is not None
    clear(turn.conversation)
    turn.add(menu.main_menu("menu/stopped", was_in_flow=was_in_flow))


def _back(turn: Turn) -> None:
    if not engine.back(turn):
        clear(turn.conversation)
        turn.add(menu.main_menu())


def _person(turn: Turn) -> None:
    handoff.escalate(turn, category="other")


def _unsubscribe(turn: Turn) -> None:
    from handlers.flows.notices import stop

    stop(turn)


def _repeat(turn: Turn) -> None:
    if not engine.ask_again(turn):
        turn.add(menu.main_menu())


GLOBAL_ACTIONS: dict[str, Callable[[Turn], None]] = {
    "g:menu": _menu,
    "g:stop": _stop,
    "g:back": _back,
    "g:person": _person,
    "g:repeat": _repeat,
    "g:unsubscribe": _unsubscribe,
}

KIND_HANDLERS: dict[str, Callable[[Turn, bool], None]] = {
    "follow": _on_follow,
    "unfollow": _on_unfollow,
    "call_start": _on_call_start,
    "hangup": _on_hangup,
    "media": _on_media,
    "text": _on_text_or_choice,
    "choice": _on_text_or_choice,
}
