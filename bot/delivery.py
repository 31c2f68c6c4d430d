"""Sending what the outbox holds, with retries and back-off.

Called right after an event's transaction commits (for its replies) and by
the clock every few seconds (for pushes, retries and anything left behind).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.line.client import LineClient, SendResult
from models.base import utcnow
from models.db import db
from models.outbox import OutboxMessage, claim_due, settle

log = logging.getLogger(__name__)


class Delivery:
    def __init__(self, config: dict) -> None:
        self._config = config
        self._line: LineClient | None = None
        self.senders: dict[str, Callable[[OutboxMessage], SendResult]] = {
            "line": self._send_line,
            "auto": self._send_notify,
        }
        from bot.twilio_sms.senders import sms_senders

        self.senders.update(sms_senders(config))  # "sms", "sms_notify"

    def line_client(self) -> LineClient:
        base = self._config["LINE_API_BASE_URL"]
        if self._line is None or self._line.base_url != base.rstrip("/"):
            self._line = LineClient(base, self._config["LINE_CHANNEL_ACCESS_TOKEN"])
        return self._line

    def _send_line(self, msg: OutboxMessage) -> SendResult:
        client = self.line_client()
        if msg.kind == "reply" and msg.reply_token:
            return client.reply(msg.reply_token, msg.payload)
        return client.push(msg.recipient, msg.payload, msg.retry_key)

    def _send_notify(self, msg: OutboxMessage) -> SendResult:
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

    def deliver(self, ids: list[int] | None = None, now: datetime | None = None) -> int:
        """Send due messages (only ``ids`` if given); return how many were sent."""
        if ids is not None and not ids:
            return 0
        now = now or utcnow()
        with db.unit_of_work() as s:
            batch = claim_due(s, now, ids=ids)
            s.commit()
        sent = 0
        retry_as_push: list[int] = []
        for msg in batch:
            sender = self.senders.get(msg.channel)
            if sender is None:
                result = SendResult(False, error=f"no sender for {msg.channel}", permanent=True)
            else:
                result = sender(msg)
            if not result.ok:
                log.warning(
                    "outbox %s: %s attempt %d failed (%s)",
                    msg.id,
                    msg.kind,
                    msg.attempts,
                    result.error,
                )
            with db.unit_of_work() as s:
                settle(
                    s,
                    msg.id,
                    ok=result.ok,
                    now=utcnow(),
                    error=result.error,
                    permanent=result.permanent,
                    becomes_push=result.token_refused,
                )
                s.commit()
            sent += int(result.ok)
            if result.token_refused:
                retry_as_push.append(msg.id)
        if retry_as_push:
            sent += self.deliver(retry_as_push)
        return sent
