"""After "a person": the transfer's outcome, the voicemail, the call's end.

Voicemail becomes a callback task (``models.phone.PhoneCallback``) on the
resident's open inquiry. Only Twilio's recording SID and URL are kept
(encrypted); the audio is never downloaded here and never transcribed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot import twilio_params as params
from bot.twilio_voice import calls, render
from handlers.contract import Inbound
from handlers.dispatch import dispatch
from handlers.handoff import answer_expectation
from handlers.text import render as say_text
from models.db import db
from models.inbound import DONE, mark, record_events
from models.inquiries import current_inquiry, open_inquiry
from models.phone import (
    attach_recording,
    callback_for_call,
    end_call,
    request_callback,
)
from models.residents import get_or_create_resident

log = logging.getLogger(__name__)
ANSWERED = ("completed", "answered")
TERMINAL = ("completed", "busy", "failed", "no-answer", "canceled")


def _phone(req: calls.VoiceRequest) -> str | None:
    return None if req.caller.startswith("withheld:") else req.caller


def _callback(s, req: calls.VoiceRequest, reason: str, now: datetime, summary: str):
    """The call's callback task (one per call), on the resident's open inquiry."""
    existing = callback_for_call(s, req.call_sid)
    if existing is not None:
        return existing
    resident = get_or_create_resident(s, "phone", req.caller, lock=True)
    inquiry = current_inquiry(s, resident) or open_inquiry(
        s, resident, channel="voice", category="other", summary=summary, now=now
    )
    if not inquiry.summary:
        inquiry.summary = summary
    return request_callback(
        s,
        resident_id=resident.id,
        reason=reason,
        phone=_phone(req),
        inquiry_id=inquiry.id,
        call_sid=req.call_sid,
        now=now,
    )


def after_dial(req: calls.VoiceRequest, status: str, config: dict[str, Any], now: datetime):
    v = calls.voice(config)
    if status in ANSWERED:
        return render.goodbye_twiml(v, [])
    try:
        with db.unit_of_work() as s:
            _callback(s, req, "no_answer", now, say_text("voice/summary/no_answer"))
            s.commit()
    except Exception as exc:  # noqa: BLE001 - the caller still gets the voicemail
        log.error("voice dial fallback: %s", type(exc).__name__)
    notice = say_text("voice/recorded_notice", in_hours=True)
    u = calls.urls(req.step or 0)
    return render.record_twiml(
        v, [say_text("voice/dial_failed"), notice], u["recorded"], u["recording"]
    )


def recorded(req: calls.VoiceRequest, form, config: dict[str, Any], now: datetime) -> str:
    """The Record action: keep the reference, thank the caller, hang up."""
    seconds = params.seconds(form.get("RecordingDuration"))
    try:
        with db.unit_of_work() as s:
            task = _callback(
                s, req, "voicemail", now, say_text("voice/summary/voicemail", seconds=seconds)
            )
            if params.sid(form.get("RecordingSid")):
                task.recording_sid = form["RecordingSid"]
                task.recording_url = params.recording_url(form.get("RecordingUrl"))
                task.recording_seconds = seconds
            s.commit()
    except Exception as exc:  # noqa: BLE001
        log.error("voicemail not kept: %s", type(exc).__name__)
    expectation = answer_expectation(now)
    return render.goodbye_twiml(
        calls.voice(config), [say_text("voice/recorded_thanks", **expectation)]
    )


def recording_status(form) -> None:
    """The recording is ready at Twilio: keep its SID and URL on the task."""
    call_sid = params.sid(form.get("CallSid"))
    if form.get("RecordingStatus") != "completed" or call_sid is None:
        return
    with db.unit_of_work() as s:
        attach_recording(
            s,
            call_sid,
            sid=params.sid(form.get("RecordingSid")) or "",
            url=params.recording_url(form.get("RecordingUrl")) or "",
            seconds=params.seconds(form.get("RecordingDuration")),
        )
        s.commit()


def call_ended(req: calls.VoiceRequest, form, now: datetime) -> None:
    """Call status callback: close the call; the conversation is cleared once."""
    status = form.get("CallStatus", "")
    if status not in TERMINAL:
        return
    with db.unit_of_work() as s:
        new = record_events(
            s,
            [
                {
                    "channel": "voice",
                    "event_key": f"{req.call_sid}:end",
                    "event_type": "hangup",
                    "payload": {"status": status},
                }
            ],
        )
        if new:
            end_call(s, req.call_sid, status, now, params.seconds(form.get("CallDuration")))
            dispatch(s, Inbound("voice", req.caller, "hangup", at=now), now)
            mark(s, new[0], DONE)
        s.commit()
