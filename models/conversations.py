"""Conversation state per resident and channel, with a sliding expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import deferred
from models.base import Base, EncryptedJSON, UTCDateTime, utcnow
from models.bulk import matches_any


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("resident_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    # Answers collected so far, plus the stack of earlier steps for "back".
    data: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def load_conversation(
    session: Session, resident_id: int, channel: str, now: datetime
) -> tuple[Conversation, bool]:
    """Return the conversation row and whether a flow had expired (and was cleared)."""
    conv = session.scalars(
        select(Conversation)
        .where(Conversation.resident_id == resident_id, Conversation.channel == channel)
        .with_for_update()
    ).first()
    if conv is None:
        # The resident row is locked by the caller, so nobody races us here.
        conv = Conversation(resident_id=resident_id, channel=channel, data={})
        session.add(conv)
        session.flush()
        return conv, False
    return conv, expire_if_due(conv, now)


@cache
def _lock_query(dialect: str):
    """Built once (see models.residents._lock_query)."""
    match = matches_any(Conversation.resident_id, "ids", dialect, Integer)
    return (
        select(Conversation)
        .where(match, Conversation.channel == bindparam("channel"))
        .order_by(Conversation.resident_id)
        .with_for_update()
    )


def lock_conversations(
    session: Session, resident_ids: list[int], channel: str
) -> dict[int, Conversation]:
    """The conversation rows of these residents on one channel, locked; new ones added.

    The residents' rows must be locked by the caller (``lock_residents``), so
    nobody creates the same conversation meanwhile.
    """
    query = _lock_query(session.get_bind().dialect.name)
    found = {
        conv.resident_id: conv
        for conv in session.scalars(query, {"ids": list(resident_ids), "channel": channel})
    }
    for resident_id in dict.fromkeys(resident_ids):
        if resident_id not in found:
            found[resident_id] = Conversation(resident_id=resident_id, channel=channel, data={})
            session.add(found[resident_id])
    return found


def expire_if_due(conv: Conversation, now: datetime) -> bool:
    """Clear a flow whose time is up; True if it was."""
    expired = conv.flow is not None and conv.expires_at is not None and conv.expires_at <= now
    if expired:
        clear(conv)
    return expired


def clear(conv: Conversation) -> None:
    conv.flow = None
    conv.step = None
    conv.data = {}
    conv.expires_at = None


def touch(session: Session, conv: Conversation, now: datetime, minutes: int) -> None:
    expires_at = now + timedelta(minutes=minutes) if conv.flow else None
    deferred.touched(session, conv, now, expires_at)
