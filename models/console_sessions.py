"""Console sessions kept on the server: a cookie names one, the table says if it lives.

The signed cookie carries a random session token; the table keeps its
SHA-256 with the account, when it started and when it ends. Every request
looks it up, so logging out (``end``) or changing the password
(``end_all``) refuses a replayed cookie at once, on every worker.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, account_id: int, now: datetime, lifetime: timedelta) -> str:
    """A new session; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=_digest(token), account_id=account_id,
                               started_at=now, expires_at=now + lifetime))  # fmt: skip
    session.flush()
    return token


def live_account_id(session: Session, token: str, now: datetime) -> int | None:
    """The account of a session that has neither ended nor expired, else None."""
    if not token or not token.isascii():
        return None
    row = session.scalars(
        select(ConsoleSession).where(ConsoleSession.token_hash == _digest(token))
    ).first()
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    return row.account_id


def end(session: Session, token: str, now: datetime) -> None:
    session.execute(update(ConsoleSession).where(ConsoleSession.token_hash == _digest(token),
                                                 ConsoleSession.ended_at.is_(None))
                    .values(ended_at=now))  # fmt: skip


def end_all(session: Session, account_id: int, now: datetime) -> int:
    """End every session of an account (password changed, account reset)."""
    result = session.execute(update(ConsoleSession).where(
        ConsoleSession.account_id == account_id, ConsoleSession.ended_at.is_(None))
        .values(ended_at=now))  # fmt: skip
    return result.rowcount or 0
