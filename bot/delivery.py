"""Sending what the outbox holds, with retries and back-off.

Called right after an event's transaction commits (for its replies) and by
the clock every few seconds (for pushes, retries and anything left behind).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.line.client import LineClient, SendResult
from models.base import utcnow
from models.db import db
from models.outbox import UNSETTLED, Outgoing, claim_due, outgoing, settle, settle_sent

log = logging.getLogger(__name__)

# LINE answers "Invalid reply token" alike for a used and an expired token. A
# reply taken over from a sender that died mid-send, refused while its token
# cannot have expired yet, was sent by that sender: pushing it would say it twice.
REPLY_TOKEN_FRESH = timedelta(seconds=40)


class Delivery:
    def __init__(self, config: dict) -> None:
        self._config = config
        self._line: LineClient | None = None
        self.senders: dict[str, Callable[[Outgoing], SendResult]] = {
            "line": self._send_line,
            "auto": self._send_notify,
            "line_multicast": self._send_multicast,
        }
        from bot.email import email_senders
        from bot.twilio_sms.senders import sms_senders

        self.senders.update(sms_senders(config))  # "sms", "sms_notify"
        self.senders.update(email_senders(config))  # "email" (notices to the city)

    def line_client(self) -> LineClient:
        base = self._config["LINE_API_BASE_URL"]
        if self._line is None or self._line.base_url != base.rstrip("/"):
            self._line = LineClient(base, self._config["LINE_CHANNEL_ACCESS_TOKEN"])
        return self._line

    def _send_line(self, msg: Outgoing) -> SendResult:
        client = self.line_client()
        if msg.kind == "reply" and msg.reply_token:
            return client.reply(msg.reply_token, msg.payload)
        return client.push(msg.recipient, msg.payload, msg.retry_key)

    def _send_multicast(self, msg: Outgoing) -> SendResult:
        """An announcement batch: ``payload = {"to": [≤ 500 user ids], "replies": [...]}``,
        rendered at send time like a notice (handlers/announce_render.py)."""
        from bot.line.render import to_messages
        from handlers.contract import Reply

        payload = msg.payload or {}
        replies = [Reply.from_dict(r) for r in payload["replies"]]
        return self.line_client().multicast(payload["to"], to_messages(replies), msg.retry_key)

    def _send_notify(self, msg: Outgoing) -> SendResult:
        """A channel-independent notice: LINE if reachable there, else SMS."""
        from bot.line.render import to_messages
        from handlers.contract import Reply
        from models.residents import Resident

        with db.reader() as s:
            resident = s.get(Resident, msg.resident_id)
            line_user = resident.line_user_id if resident and resident.line_reachable else None
            phone = resident.phone if resident else None
        replies = [Reply.from_dict(r) for r in msg.payload["replies"]]
        if line_user:
            return self.line_client().push(line_user, to_messages(replies), msg.retry_key)
        sms = self.senders.get("sms_notify")
        if phone and sms is not None:
            return sms(msg)
        return SendResult(False, error="unreachable", permanent=True)

    @staticmethod
    def _already_replied(msg: Outgoing, now: datetime) -> bool:
        return msg.last_error == UNSETTLED and now - msg.created_at < REPLY_TOKEN_FRESH

    def deliver(self, ids: list[int] | None = None, now: datetime | None = None) -> int:
        """Send due messages (only ``ids`` if given); return how many were sent."""
        if ids is not None and not ids:
            return 0
        now = now or utcnow()
        with db.unit_of_work() as s:
            batch = [outgoing(m) for m in claim_due(s, now, ids=ids)]
            s.commit()
        # Each outcome is recorded as soon as it is known: a crash re-sends little.
        return sum(self.settle([(msg, self.send_one(msg, now))]) for msg in batch)

    def send_one(self, msg: Outgoing, now: datetime | None = None) -> SendResult:
        """One platform call for a leased message (never raises)."""
        sender = self.senders.get(msg.channel)
        if sender is None:
            return SendResult(False, error=f"no sender for {msg.channel}", permanent=True)
        try:
            result = sender(msg)
        except Exception as exc:  # noqa: BLE001 - retried later like any failure
            result = SendResult(False, error=type(exc).__name__)
        if result.token_refused and self._already_replied(msg, now or utcnow()):
            log.warning("outbox %s: reply token used by an unsettled attempt", msg.id)
            result = SendResult(True, result.status)
        if not result.ok:
            log.warning(
                "outbox %s: %s attempt %d failed (%s)", msg.id, msg.kind, msg.attempts, result.error
            )
        return result

    def settle(self, results: list[tuple[Outgoing, SendResult]]) -> int:
        """Record outcomes in one transaction; a refused reply token is retried as a push."""
        if not results:
            return 0
        now = utcnow()
        sent = [msg.id for msg, result in results if result.ok]
        failed = [(msg, result) for msg, result in results if not result.ok]
        with db.unit_of_work() as s:
            settle_sent(s, sent, now)
            for msg, result in failed:
                settle(s, msg.id, ok=False, now=now, error=result.error,
                       permanent=result.permanent, becomes_push=result.token_refused)  # fmt: skip
            s.commit()
        retry_as_push = [msg.id for msg, result in failed if result.token_refused]
        return len(sent) + (self.deliver(retry_as_push) if retry_as_push else 0)
