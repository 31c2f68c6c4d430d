"""Outbound messages: written inside the event's transaction, sent after it.

Each row is one platform call (a LINE reply or push, an SMS). Delivery
retries with exponential back-off; a push keeps the same ``retry_key`` on
every attempt, so LINE's X-Line-Retry-Key makes a retried push land once.
A reply whose token is refused or expired becomes a push.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, EncryptedJSON, EncryptedText, UTCDateTime, utcnow
from models.bulk import (
    Statement,
    driver_cursor,
    insert_rows,
    insert_sql,
    int_array,
    is_postgres,
    together,
)

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
MAX_ATTEMPTS = 12
# A sender sends its batch in order, one platform call at most ~13 s (timeouts),
# so the k-th message of a batch is leased for k times this. A message still
# sending after its lease was left by a sender that died mid-send: it is sent
# again, soon enough for a reply token to be still valid (LINE: one minute).
SENDING_LEASE = timedelta(seconds=20)
# Answers leased at insert (``enqueue_claimed``) are sent at once by the process
# that committed them. A sender starts no call it could not finish within the
# lease (SEND_TIME_MAX: connect + read timeouts of one call, bot/line/client.py);
# a message still queued by then has its lease renewed first, if it is still
# ours (``renew_lease``). A process that dies leaves the lease to run out: the
# clock takes the message over within REPLY_TOKEN_FRESH (bot/delivery.py).
CLAIMED_LEASE = timedelta(seconds=30)
SEND_TIME_MAX = timedelta(seconds=15)
# last_error of a message taken over from a dead sender: its earlier attempt
# may have reached the platform (see bot/delivery.py for replies).
UNSETTLED = "unsettled"


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # line, sms
    kind: Mapped[str] = mapped_column(String(16))  # reply, push, sms
    resident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    recipient: Mapped[str] = mapped_column(EncryptedText)
    reply_token: Mapped[str | None] = mapped_column(EncryptedText)
    payload: Mapped[Any] = mapped_column(EncryptedJSON)
    retry_key: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()))
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Status code and error class only; never message text.
    last_error: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(40))  # reminder, staff_reply, ...


def enqueue(
    session: Session,
    *,
    channel: str,
    kind: str,
    recipient: str,
    payload: Any,
    resident_id: int | None = None,
    reply_token: str | None = None,
    source: str | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    msg = OutboxMessage(
        channel=channel,
        kind=kind,
        recipient=recipient,
        payload=payload,
        resident_id=resident_id,
        reply_token=reply_token,
        source=source,
        next_attempt_at=not_before or utcnow(),
    )
    session.add(msg)
    session.flush()
    return msg


@dataclass(frozen=True)
class Outgoing:
    """A message already leased for sending (the fields a sender reads)."""

    id: int
    channel: str
    kind: str
    recipient: str
    payload: Any
    retry_key: str
    reply_token: str | None = None
    resident_id: int | None = None
    attempts: int = 1
    created_at: datetime | None = None
    last_error: str | None = None  # UNSETTLED: taken over from a sender that died
    lease_until: datetime | None = None  # next_attempt_at as leased

    def may_start(self, now: datetime) -> bool:
        """A call started now ends before the lease does."""
        return self.lease_until is None or now < self.lease_until - SEND_TIME_MAX


def outgoing(msg: OutboxMessage) -> Outgoing:
    return Outgoing(id=msg.id, channel=msg.channel, kind=msg.kind, recipient=msg.recipient,
                    payload=msg.payload, retry_key=msg.retry_key, reply_token=msg.reply_token,
                    resident_id=msg.resident_id, attempts=msg.attempts,
                    created_at=msg.created_at, last_error=msg.last_error)  # fmt: skip


def enqueue_claimed(
    session: Session,
    rows: list[dict[str, Any]],
    now: datetime,
    together_with: Sequence[Statement] = (),
) -> list[Outgoing]:
    """Insert messages already leased for sending by the caller (one statement).

    For the answers of a batch of events: the rows are committed with the
    events, and whoever commits them sends them at once. Should that process
    die first, the lease runs out and the clock sends them (``claim_due``).
    Each row: channel, kind, recipient, payload, resident_id, reply_token, source.
    On PostgreSQL, ``together_with`` (the batch's other writes) run in the same
    statement (``models.bulk.together``).
    """
    values = [
        {
            **row,
            "retry_key": str(uuid.uuid4()),
            "status": SENDING,
            "attempts": 1,
            "next_attempt_at": now + CLAIMED_LEASE,
            "created_at": now,
        }
        for row in rows
    ]
    if is_postgres(session):
        table = OutboxMessage.__table__
        if not values:  # nothing to send: the other writes alone
            together(session, together_with, None)
            return []
        final = insert_sql(session, table, values, ("id", "retry_key"))
        ids = {key: new_id for new_id, key in together(session, together_with, final)}
    else:
        if together_with:
            raise ValueError("together_with is for PostgreSQL")
        returned = insert_rows(session, OutboxMessage.__table__, values, ("id", "retry_key"))
        ids = {key: new_id for new_id, key in returned}
    return [
        Outgoing(id=ids[v["retry_key"]], channel=v["channel"], kind=v["kind"],
                 recipient=v["recipient"], payload=v["payload"], retry_key=v["retry_key"],
                 reply_token=v.get("reply_token"), resident_id=v.get("resident_id"),
                 created_at=now, lease_until=v["next_attempt_at"])
        for v in values
    ]  # fmt: skip


def renew_lease(session: Session, msg: Outgoing, now: datetime) -> Outgoing | None:
    """Extend the lease of a message we still hold (nobody took it over); else None."""
    until = now + CLAIMED_LEASE
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == msg.id,
            OutboxMessage.status == SENDING,
            OutboxMessage.next_attempt_at == msg.lease_until,
        )
        .values(next_attempt_at=until)
    )
    return replace(msg, lease_until=until) if result.rowcount == 1 else None


def settle_sent(session: Session, ids: list[int], now: datetime) -> None:
    """Messages delivered: one statement for all of them."""
    if not ids:
        return
    if is_postgres(session):  # one fixed statement, prepared once (models/bulk.py)
        with driver_cursor(session) as cur:
            cur.execute(
                "UPDATE outbox SET status = %s, sent_at = %s, last_error = NULL "
                "WHERE id = ANY(%s::integer[])",
                (SENT, now, int_array(ids)),
            )
        return
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(status=SENT, sent_at=now, last_error=None)
    )


def claim_due(session: Session, now: datetime, limit: int = 50, ids: list[int] | None = None):
    """Lease due messages for sending; skip rows another sender holds."""
    query = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == PENDING) & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == SENDING) & (OutboxMessage.next_attempt_at <= now),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    rows = list(session.scalars(query))
    for position, row in enumerate(rows, start=1):
        if row.status == SENDING:
            row.last_error = UNSETTLED
        row.status = SENDING
        row.attempts += 1
        row.next_attempt_at = now + SENDING_LEASE * position
    return rows


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at 30 minutes."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 1800))


def settle(
    session: Session,
    msg_id: int,
    *,
    ok: bool,
    now: datetime,
    error: str | None = None,
    permanent: bool = False,
    becomes_push: bool = False,
) -> None:
    msg = session.get(OutboxMessage, msg_id)
    if msg is None:
        return
    if ok:
        msg.status, msg.sent_at, msg.last_error = SENT, now, None
        return
    msg.last_error = error
    if becomes_push:
        msg.kind, msg.reply_token = "push", None
        msg.status, msg.next_attempt_at = PENDING, now
        return
    if permanent or msg.attempts >= MAX_ATTEMPTS:
        msg.status = DEAD
        return
    msg.status, msg.next_attempt_at = PENDING, now + backoff(msg.attempts)


def pending_count(session: Session) -> int:
    return len(
        session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status.in_([PENDING, SENDING]))
        ).all()
    )


def mark_unreachable(session: Session, resident_id: int) -> int:
    """The resident blocked the account: pending LINE pushes can never land."""
    res = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.resident_id == resident_id,
            OutboxMessage.channel == "line",
            OutboxMessage.status == PENDING,
        )
        .values(status=DEAD, last_error="unfollowed")
    )
    return res.rowcount
