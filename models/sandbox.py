"""What the LINE stand-in (bot/sandbox/line_api.py) records and remembers.

Sandbox mode only. Request bodies hold what the bot says to a resident (names,
booking details), and recipients are LINE user ids, so both are encrypted at
rest like every other personal field; recipients are found through a keyed
hash (``to_key``), as in ``models.residents``.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from models import crypto
from models.base import Base, EncryptedText, UTCDateTime, utcnow

# LINE: "a reply token can be used only once" and "must be used within one
# minute after the webhook was received; using it later is not guaranteed"
# (https://developers.line.biz/en/reference/messaging-api/#send-reply-message).
# The stand-in enforces the guaranteed minute, so that code which replies late
# (after a slow job, from the scheduler) fails in development, not in production.
REPLY_TOKEN_TTL = timedelta(minutes=1)


class SandboxLineRequest(Base):
    """One request the bot sent to the LINE stand-in, valid or not."""

    __tablename__ = "sandbox_line_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    request_id: Mapped[str] = mapped_column(String(36))  # our x-line-request-id
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    operation_id: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[int] = mapped_column(Integer)
    retry_key: Mapped[str | None] = mapped_column(String(100), index=True)
    # Recipient: `to` of a push, the token's user of a reply, the single `to` of a multicast.
    to: Mapped[str | None] = mapped_column(EncryptedText)
    to_key: Mapped[str | None] = mapped_column(String(64), index=True)
    reply_token: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(EncryptedText)  # JSON as sent
    errors: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{property, message}]
    response: Mapped[str | None] = mapped_column(Text)  # JSON as answered

    def as_dict(self) -> dict[str, Any]:
        """For the simulator: bodies parsed back to JSON where they are JSON."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "requestId": self.request_id,
            "method": self.method,
            "path": self.path,
            "operationId": self.operation_id,
            "status": self.status,
            "retryKey": self.retry_key,
            "to": self.to,
            "replyToken": self.reply_token,
            "body": _maybe_json(self.body),
            "errors": json.loads(self.errors or "[]"),
            "response": _maybe_json(self.response),
        }


def _maybe_json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def record_line_request(session: Session, **fields: Any) -> SandboxLineRequest:
    """Add a request row; ``errors`` may be given as a list and ``body`` as bytes."""
    errors = fields.pop("errors", None) or []
    if not isinstance(errors, str):
        errors = json.dumps(errors, ensure_ascii=False)
    body = fields.pop("body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    to = fields.pop("to", None)
    row = SandboxLineRequest(
        errors=errors,
        body=body,
        to=to,
        to_key=crypto.lookup_hash(to) if to else None,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def line_requests_since(
    session: Session, after_id: int, to: str | None = None, limit: int = 200
) -> list[SandboxLineRequest]:
    """Requests with an id above ``after_id``, oldest first (the simulator polls this)."""
    query = select(SandboxLineRequest).where(SandboxLineRequest.id > after_id)
    if to is not None:
        query = query.where(SandboxLineRequest.to_key.in_(crypto.lookup_hashes(to)))
    return list(session.scalars(query.order_by(SandboxLineRequest.id).limit(limit)))


def counted_messages_since(session: Session, start: datetime, counters: dict) -> int:
    """Messages LINE would count since ``start``: ``counters[operation](body)`` per
    accepted request (the body is decrypted; sandbox volumes are small)."""
    rows = session.scalars(
        select(SandboxLineRequest).where(
            SandboxLineRequest.at >= start,
            SandboxLineRequest.operation_id.in_(list(counters)),
            SandboxLineRequest.status >= 200,
            SandboxLineRequest.status < 300,
        )
    )
    return sum(counters[r.operation_id](json.loads(r.body or "{}")) for r in rows)


def find_by_retry_key(session: Session, key: str) -> SandboxLineRequest | None:
    """The *accepted* request sent with this retry key, if any.

    LINE answers 409 only when an earlier request with the key was accepted;
    a request that failed (500, 429, 400) may be retried with the same key.
    """
    query = select(SandboxLineRequest).where(
        SandboxLineRequest.retry_key == key,
        SandboxLineRequest.status >= 200,
        SandboxLineRequest.status < 300,
    )
    return session.scalars(query.order_by(SandboxLineRequest.id).limit(1)).first()


class SandboxReplyToken(Base):
    """A reply token the simulator put in a webhook event."""

    __tablename__ = "sandbox_reply_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(EncryptedText)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def issue_reply_token(session: Session, user_id: str) -> str:
    """A new token, 32 hex characters like LINE's."""
    token = secrets.token_hex(16)
    session.add(SandboxReplyToken(token=token, user_id=user_id, issued_at=utcnow()))
    session.flush()
    return token


def consume_reply_token(
    session: Session, token: str, *, now: datetime | None = None, ttl: timedelta = REPLY_TOKEN_TTL
) -> str:
    """Use a token once: "ok", "unknown", "used" or "expired".

    One conditional update, so two concurrent replies cannot both use it.
    """
    now = now or utcnow()
    row = session.get(SandboxReplyToken, token)
    if row is None:
        return "unknown"
    if row.used_at is not None:
        return "used"
    if now - row.issued_at > ttl:
        return "expired"
    taken = session.execute(
        update(SandboxReplyToken)
        .where(SandboxReplyToken.token == token, SandboxReplyToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return "used"
    set_committed_value(row, "used_at", now)  # already written by the update
    return "ok"


def reply_token_user(session: Session, token: str) -> str | None:
    row = session.get(SandboxReplyToken, token)
    return None if row is None else row.user_id


class SandboxFault(Base):
    """A simulated LINE outage: the next ``remaining`` requests answer ``status``.

    In the database rather than in memory so that the web process and the
    clock (outbox sender) see the same switch.
    """

    __tablename__ = "sandbox_faults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[int] = mapped_column(Integer, default=500)


def set_fault(session: Session, count: int, status: int = 500) -> None:
    row = session.get(SandboxFault, 1)
    if row is None:
        session.add(SandboxFault(id=1, remaining=count, status=status))
    else:
        row.remaining, row.status = count, status
    session.flush()


def take_fault(session: Session) -> int | None:
    """The status to fail this request with, or None; counts the fault down atomically."""
    taken = session.execute(
        update(SandboxFault)
        .where(SandboxFault.id == 1, SandboxFault.remaining > 0)
        .values(remaining=SandboxFault.remaining - 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    return session.scalar(select(SandboxFault.status).where(SandboxFault.id == 1))
