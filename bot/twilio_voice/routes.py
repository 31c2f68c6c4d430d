"""POST /twilio/voice…: verify, translate, process inline, answer TwiML.

/twilio/voice            incoming call (call_start)
/twilio/voice/gather     keys or speech (?step=N, ours)
/twilio/voice/dial       the staff transfer ended (?step=N)
/twilio/voice/recorded   the voicemail ended (Record action)
/twilio/voice/recording  the recording is stored at Twilio (status callback)
/twilio/voice/status     call status callback (the caller hung up …)
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, Response, current_app, request

from bot import twilio_params as params
from bot.twilio_signature import verified
from bot.twilio_voice import calls, voicemail
from models.base import utcnow

bp = Blueprint("twilio_voice", __name__)
WITHHELD = ("anonymous", "restricted", "unknown", "private", "unavailable", "+266696687")


def now() -> datetime:
    """The clock the phone line reads (tests freeze it here)."""
    return utcnow()


def twiml(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="application/xml")


def forbidden() -> Response:
    return Response("invalid signature", status=403, mimetype="text/plain")


def _request(form) -> calls.VoiceRequest | None:
    sid = params.sid(form.get("CallSid"))
    if sid is None:
        return None
    caller = form.get("From", "").strip()
    odd = not caller
    if params.e164(caller) is None:
        odd = odd or caller.lower() not in WITHHELD
        caller = f"withheld:{sid}"
    step = params.step(request.args.get("step"))
    digits = form.get("Digits", "")
    if len(digits) > 40 or not re.fullmatch(r"[0-9*#wW]*", digits):
        odd, digits = True, ""
    speech, redacted, long_speech = calls.clean_speech(
        params.text(form.get("SpeechResult"), calls.MAX_SPEECH + 1)
    )
    if long_speech:
        odd, speech = True, ""
    return calls.VoiceRequest(sid, caller, step, digits.rstrip("#"), speech, redacted, odd)


@bp.post("/twilio/voice")
def incoming() -> Response:
    if not verified(request):
        return forbidden()
    req = _request(request.form)
    if req is None:
        return twiml(calls.stateless_apology(current_app.config))
    return twiml(calls.process(req, "call_start", current_app.config, now()))


@bp.post("/twilio/voice/gather")
def gather() -> Response:
    if not verified(request):
        return forbidden()
    req = _request(request.form)
    if req is None:
        return twiml(calls.stateless_apology(current_app.config))
    if req.step is None:
        req = calls.with_current_step(req)
    return twiml(calls.process(req, "gather", current_app.config, now()))


@bp.post("/twilio/voice/dial")
def dial_ended() -> Response:
    if not verified(request):
        return forbidden()
    req = _request(request.form)
    status = request.form.get("DialCallStatus", "")
    if req is None:
        return twiml(calls.stateless_apology(current_app.config))
    return twiml(voicemail.after_dial(req, status, current_app.config, now()))


@bp.post("/twilio/voice/recorded")
def recorded() -> Response:
    if not verified(request):
        return forbidden()
    req = _request(request.form)
    if req is None:
        return twiml(calls.stateless_apology(current_app.config))
    return twiml(voicemail.recorded(req, request.form, current_app.config, now()))


@bp.post("/twilio/voice/recording")
def recording_status() -> Response:
    if not verified(request):
        return forbidden()
    voicemail.recording_status(request.form)
    return twiml(calls.render.empty_twiml())


@bp.post("/twilio/voice/status")
def call_status() -> Response:
    if not verified(request):
        return forbidden()
    req = _request(request.form)
    if req is not None:
        voicemail.call_ended(req, request.form, now())
    return twiml(calls.render.empty_twiml())
