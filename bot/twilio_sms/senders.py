"""Outbox senders for SMS (registered in ``bot.delivery.Delivery``).

``sms``        one text, ``payload = {"body": ...}``, recipient an E.164 number
               (replies to inbound SMS, booking confirmations queued directly).
``sms_notify`` a channel-independent notice (``handlers.notify.notify``) for a
               resident without LINE: rendered to text with numbered choices,
               whose keypad is kept so that a numeric answer maps back.
Numbers that sent STOP get nothing (permanent failure "opted out"), except
the confirmation of the STOP itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.line.client import SendResult
from bot.twilio_sms.client import SmsClient
from bot.twilio_sms.render import to_sms
from handlers.contract import Reply
from models.db import db
from models.outbox import OutboxMessage
from models.phone import opted_out, start_call
from models.residents import Resident


def sms_state_key(resident_id: int) -> str:
    """The ``voice_calls`` row that keeps a resident's last SMS keypad."""
    return f"sms:{resident_id}"


def save_sms_keypad(session, resident_id: int, keypad: dict[str, Any], now) -> None:
    row = start_call(session, sms_state_key(resident_id), now)
    row.resident_id, row.menu, row.updated_at = resident_id, keypad, now


def sms_senders(config: dict[str, Any]) -> dict[str, Callable[[OutboxMessage], SendResult]]:
    client = SmsClient(config)

    def send_sms(msg: OutboxMessage) -> SendResult:
        payload = msg.payload or {}
        if not payload.get("force"):
            with db.reader() as s:
                if opted_out(s, msg.recipient):
                    return SendResult(False, error="opted out", permanent=True)
        return client.send(msg.recipient, str(payload.get("body") or ""))

    def send_notify(msg: OutboxMessage) -> SendResult:
        from models.base import utcnow

        with db.reader() as s:
            resident = s.get(Resident, msg.resident_id)
            phone = resident.phone if resident else None
            if not phone or opted_out(s, phone):
                return SendResult(False, error="opted out or no phone", permanent=True)
        replies = [Reply.from_dict(r) for r in msg.payload["replies"]]
        body, pad = to_sms(replies)
        if pad.items:
            with db.unit_of_work() as s:
                save_sms_keypad(s, msg.resident_id, pad.to_dict(), utcnow())
                s.commit()
        return client.send(phone, body)

    return {"sms": send_sms, "sms_notify": send_notify}
