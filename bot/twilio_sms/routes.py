"""POST /twilio/sms: verify, record (once per MessageSid), answer by the core.

The same conversation core as LINE, as a text channel ("sms"); the reply goes
out as an SMS through the outbox (retried on outage). A number the resident
answers is mapped back through the keypad last sent to them.

Keywords (handlers/data/phone_words.yaml): STOP / START / HELP and their Japanese forms. Twilio's Advanced Opt-Out
also handles STOP at the platform for US/Canadian long codes and may block
sends itself (error 21610); for other senders we keep our own opt-out list.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from bot import twilio_params as params
from bot.twilio_signature import verified
from bot.twilio_sms.render import to_sms
from bot.twilio_sms.senders import save_sms_keypad, sms_state_key
from bot.twilio_voice.keypad import Keypad, resolve
from handlers.contract import Inbound, Reply
from handlers.dispatch import dispatch
from handlers.numbers import ascii_digits
from handlers.phone import sms_keyword
from models.base import utcnow
from models.db import db
from models.inbound import DONE, FAILED, PROCESSING, mark, record_events
from models.outbox import enqueue
from models.phone import get_call, set_opt_out
from models.residents import get_or_create_resident
from personal_numbers.redact import redact
from scheduler.business_calendar import JST

log = logging.getLogger(__name__)
bp = Blueprint("twilio_sms", __name__)
MAX_BODY = 1600


def _empty() -> Response:
    return Response(str(MessagingResponse()), mimetype="application/xml")


@bp.post("/twilio/sms")
def inbound_sms() -> Response:
    if not verified(request):
        return Response("invalid signature", status=403, mimetype="text/plain")
    sid = params.sid(request.form.get("MessageSid"))
    sender = params.e164(request.form.get("From"))
    if sid is None or sender is None:
        return _empty()  # nothing we can answer to
    redaction = redact(params.text(request.form.get("Body"), MAX_BODY))
    ids = handle(sid, sender, redaction.text, redaction.found)
    if ids:
        current_app.extensions["delivery"].deliver(ids)
    return _empty()


def handle(sid: str, sender: str, body: str, redacted: bool) -> list[int]:
    """Process one SMS in one transaction; return the outbox ids to send."""
    now = utcnow()
    try:
        with db.unit_of_work() as s:
            row = {
                "channel": "sms",
                "event_key": f"sms:{sid}",
                "event_type": "message",
                "status": PROCESSING,
                "payload": {"text": body, "redacted": redacted},
            }
            new = record_events(s, [row])
            if not new:
                return []  # Twilio retried: answered already
            resident = get_or_create_resident(s, "phone", sender, lock=True)
            keyword = sms_keyword(body)
            if keyword:
                replies, force = _keyword(s, keyword, sender, now)
            else:
                state = get_call(s, sms_state_key(resident.id))
                pad = Keypad.from_dict(state.menu if state else None)
                replies, force = (
                    dispatch(s, _inbound(pad, sender, body, redacted, now), now).replies,
                    False,
                )
            text, pad = to_sms(replies)
            save_sms_keypad(s, resident.id, pad.to_dict(), now)
            ids = []
            if text:
                msg = enqueue(
                    s,
                    channel="sms",
                    kind="sms",
                    recipient=sender,
                    payload={"body": text, "force": force},
                    resident_id=resident.id,
                    source="conversation",
                )
                ids.append(msg.id)
            mark(s, new[0], DONE)
            s.commit()
            return ids
    except Exception as exc:  # noqa: BLE001 - recorded as failed; no text in the log
        log.error("sms %s failed: %s", "event", type(exc).__name__)
        return _fail(sid, sender, type(exc).__name__)


def _inbound(pad: Keypad, sender: str, body: str, redacted: bool, now) -> Inbound:
    stripped = body.strip()
    digits = stripped if ascii_digits(stripped, 2) else ""
    resolved = resolve(pad, digits, "" if digits else body, now.astimezone(JST).date())
    if resolved.kind == "choice":
        return Inbound(
            "sms", sender, "choice", value=resolved.value, params=resolved.params, at=now
        )
    return Inbound("sms", sender, "text", text=body, redacted=redacted, at=now)


def _keyword(s, keyword: str, sender: str, now) -> tuple[list[Reply], bool]:
    if keyword == "stop":
        set_opt_out(s, sender, True, now)
        return [Reply("sms/stopped")], True
    if keyword == "start":
        set_opt_out(s, sender, False, now)
    return [Reply("sms/started" if keyword == "start" else "sms/help")], False


def _fail(sid: str, sender: str, error: str) -> list[int]:
    with db.unit_of_work() as s:
        from models.phone import recorded_event

        event = recorded_event(s, f"sms:{sid}")
        if event is not None:
            mark(s, event.id, FAILED, error)
        text, _pad = to_sms([Reply("errors/apology")])
        msg = enqueue(
            s, channel="sms", kind="sms", recipient=sender, payload={"body": text}, source="apology"
        )
        s.commit()
        return [msg.id]
