"""One phone step, processed inline in one transaction, answered with TwiML.

Voice is synchronous: Twilio waits for the TwiML. Each request is recorded
under ``<CallSid>:<step>`` (``step`` is ours: it rides on the Gather action
URL we rendered, and the signature covers it). A Twilio retry of the same
request finds the key taken and gets the TwiML stored with the event, so it
is answered identically and processed once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update

from bot.twilio_voice import render
from bot.twilio_voice.keypad import Keypad, Resolved, build, resolve
from handlers import menu
from handlers.contract import Inbound, Reply
from handlers.dispatch import dispatch
from handlers.text import render as say_text
from handlers.text import use_locale
from models.city import city
from models.db import db
from models.inbound import DONE, FAILED, PROCESSING, InboundEvent, mark, record_events
from models.locales import for_channel
from models.phone import conversation_flow, recorded_event, start_call
from models.residents import Resident
from personal_numbers.redact import redact
from scheduler.business_calendar import JST, within_business_hours

log = logging.getLogger(__name__)

MAX_SPEECH = 500  # longer "speech" is not speech: treated as an odd request
MAX_EMPTY = 3  # silent answers in a row before we say goodbye


@dataclass(frozen=True)
class VoiceRequest:
    call_sid: str
    caller: str  # E.164, or "withheld:<CallSid>" for withheld numbers
    step: int | None
    digits: str
    speech: str  # redacted
    redacted: bool
    odd: bool  # a parameter was missing or malformed


def urls(step: int) -> dict[str, str]:
    # Relative: Twilio resolves them against the URL it called, so they work
    # behind any proxy and the rendered TwiML does not depend on the host.
    return {
        "gather": f"/twilio/voice/gather?step={step}",
        "dial": f"/twilio/voice/dial?step={step}",
        "recorded": "/twilio/voice/recorded",
        "recording": "/twilio/voice/recording",
    }


# The repeat key (9) repeats more slowly (issue 17, accessibility): the caller who
# asked to hear it again hears it at this rate (Polly/Google voices).
SLOW_RATE = "75%"


def voice(config: dict[str, Any], slow: bool = False) -> render.Voice:
    return render.Voice(config["TWILIO_VOICE"], SLOW_RATE if slow else config["TWILIO_VOICE_RATE"])


def process(req: VoiceRequest, kind: str, config: dict[str, Any], now: datetime) -> str:
    """Record, dispatch, render, store the TwiML; or replay what was stored."""
    key = f"{req.call_sid}:{'start' if kind == 'call_start' else req.step}"
    try:
        with db.unit_of_work() as s:
            payload = {"digits": req.digits[:40], "speech": req.speech, "odd": req.odd}
            row = {
                "channel": "voice",
                "event_key": key[:128],
                "event_type": kind,
                "status": PROCESSING,
                "payload": payload,
            }
            new = record_events(s, [row])
            if not new:
                event = recorded_event(s, key[:128])
                stored = (event.payload or {}).get("twiml") if event is not None else None
                if stored:
                    return stored
                raise RuntimeError("replay without a stored answer")
            twiml = _step(s, req, kind, config, now)
            # One statement: the stored answer (for replays) and done.
            s.execute(
                update(InboundEvent)
                .where(InboundEvent.id == new[0])
                .values(payload={**payload, "twiml": twiml}, status=DONE, processed_at=now)
            )
            s.commit()
            return twiml
    except Exception as exc:  # noqa: BLE001 - the caller hears an apology, never a 500
        log.error("voice step %s failed: %s", kind, type(exc).__name__)
        return _recover(req, key[:128], config, now, type(exc).__name__)


def _step(s, req: VoiceRequest, kind: str, config: dict[str, Any], now: datetime) -> str:
    call = start_call(s, req.call_sid, now)
    pad = Keypad.from_dict(call.menu)
    step = call.seq + 1
    call.seq, call.updated_at = step, now
    empties = 0
    if kind == "call_start":
        pre, inbound = _odd_prefix(req), Inbound("voice", req.caller, "call_start", at=now)
    else:
        resolved = resolve(pad, req.digits, req.speech, now.astimezone(JST).date())
        with use_locale(_caller_locale(s, call.resident_id)):
            if resolved.kind == "next_page" and not req.odd:
                pad.page = (pad.page + 1) % len(pad.pages)
                call.menu = pad.to_dict()
                return render.gather_twiml(
                    voice(config), render.menu_prompt(pad), pad, urls(step)["gather"]
                )
            if resolved.kind == "empty":
                empties = int((call.menu or {}).get("empties", 0)) + 1
            if empties >= MAX_EMPTY:
                call.menu = {}
                return render.goodbye_twiml(voice(config), [say_text("voice/goodbye")])
        pre, inbound = _translate(req, resolved, now)
    outcome = dispatch(s, inbound, now)
    call.resident_id = outcome.resident_id
    # The rest of the call's answer (menus, key prompts) in the caller's language.
    with use_locale(_caller_locale(s, outcome.resident_id)):
        slow = inbound.kind == "choice" and inbound.value == "g:repeat"
        twiml, pad = answer(s, outcome.resident_id, pre + outcome.replies, config, now, step,
                            slow=slow)  # fmt: skip
    call.menu = {**pad.to_dict(), "empties": empties}
    return twiml


def _caller_locale(s, resident_id: int | None) -> str:
    resident = s.get(Resident, resident_id) if resident_id is not None else None
    return for_channel(resident.language if resident else None, "voice")


def _odd_prefix(req: VoiceRequest) -> list[Reply]:
    return [Reply("voice/not_understood")] if req.odd else []


def _translate(req: VoiceRequest, resolved: Resolved, now: datetime):
    """(replies said first, the Inbound for the core)."""
    repeat = Inbound("voice", req.caller, "choice", value="g:repeat", at=now)
    if req.odd or resolved.kind == "odd":
        return [Reply("voice/not_understood")], repeat
    if resolved.kind == "empty":
        return [Reply("voice/no_input")], repeat
    if resolved.kind == "choice":
        inbound = Inbound(
            "voice", req.caller, "choice", value=resolved.value, params=resolved.params, at=now
        )
        return [], inbound
    return [], Inbound(
        "voice", req.caller, "text", text=resolved.text, redacted=req.redacted, at=now
    )


def answer(s, resident_id: int, replies: list[Reply], config, now: datetime, step: int,
           *, slow: bool = False):  # fmt: skip
    """TwiML for the core's replies, and the keypad the caller now has."""
    v = voice(config, slow)
    if not replies:  # a person has the case and the bot stays silent
        return render.goodbye_twiml(v, [say_text("voice/goodbye")]), Keypad()
    if any(r.handoff for r in replies):
        return handoff_twiml(v, render.spoken(replies), now, step), Keypad()
    pad = build(replies)
    flow = conversation_flow(s, resident_id, "voice")
    if not pad.pages and not pad.picker and not pad.speech:
        if flow is None:
            # The flow has ended with a statement: offer the menu again.
            replies = [*replies, menu.main_menu()]
            pad = build(replies)
    pad.back = pad.back or flow is not None  # * goes back a step inside a flow
    texts = render.spoken(replies) + render.menu_prompt(pad)
    return render.gather_twiml(v, texts, pad, urls(step)["gather"]), pad


def handoff_twiml(v: render.Voice, texts: list[render.Said], now: datetime, step: int) -> str:
    """In business hours dial the staff; otherwise (or with no numbers) voicemail."""
    numbers = [str(n) for n in (city().contacts.get("staff_dial_numbers") or []) if n]
    in_hours = within_business_hours(now)
    u = urls(step)
    if in_hours and numbers:
        return render.dial_twiml(v, texts, numbers, u["dial"])
    notice = say_text("voice/recorded_notice", in_hours=in_hours)
    return render.record_twiml(v, [*texts, notice], u["recorded"], u["recording"])


def _recover(req: VoiceRequest, key: str, config, now: datetime, error: str) -> str:
    """Keep the event as failed; apologise and read the main menu again."""
    replies = [Reply("voice/error"), menu.main_menu()]
    pad = build(replies)
    try:
        with db.unit_of_work() as s:
            event = recorded_event(s, key)
            if event is None:  # its transaction was rolled back: keep it as failed
                row = {
                    "channel": "voice",
                    "event_key": key,
                    "event_type": "gather",
                    "status": FAILED,
                    "payload": {"odd": req.odd},
                }
                event_ids = record_events(s, [row])
            else:
                event_ids = [event.id]
            for event_id in event_ids:
                mark(s, event_id, FAILED, error)
            call = start_call(s, req.call_sid, now)
            call.seq += 1
            call.menu = pad.to_dict()
            step = call.seq
            s.commit()
    except Exception as exc:  # noqa: BLE001
        log.error("voice recovery failed: %s", type(exc).__name__)
        step = 0
    texts = render.spoken(replies) + render.menu_prompt(pad)
    return render.gather_twiml(voice(config), texts, pad, urls(step)["gather"])


def stateless_apology(config) -> str:
    """No CallSid: nothing can be kept; apologise and offer the menu."""
    replies = [Reply("voice/not_understood"), menu.main_menu()]
    pad = build(replies)
    texts = render.spoken(replies) + render.menu_prompt(pad)
    return render.gather_twiml(voice(config), texts, pad, "/twilio/voice/gather")


def clean_speech(raw: str) -> tuple[str, bool, bool]:
    """(redacted speech, whether a number was removed, whether it was odd)."""
    odd = len(raw) > MAX_SPEECH
    redaction = redact(raw[:MAX_SPEECH], spoken=True)  # kana digit words count
    return redaction.text, redaction.found, odd


def with_current_step(req: VoiceRequest) -> VoiceRequest:
    """A Gather answer without our ?step=: take the call's current step."""
    from dataclasses import replace

    from models.phone import get_call

    with db.reader() as s:
        call = get_call(s, req.call_sid)
        step = call.seq if call is not None else 0
    return replace(req, step=step, odd=True)
