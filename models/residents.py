"""Residents and how they are recognised on each channel.

A resident is found by a keyed hash of their LINE user id or phone number;
the identifiers themselves are stored encrypted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import crypto
from models.base import Base, EncryptedText, UTCDateTime, utcnow


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_user_id: Mapped[str | None] = mapped_column(EncryptedText)
    line_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    phone_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(EncryptedText)
    # False once the resident blocks the LINE account (unfollow).
    line_reachable: Mapped[bool] = mapped_column(Boolean, default=False)
    # While set, a person has taken over: the bot stays silent. (No FK: the
    # inquiry references the resident, and a cycle would complicate deletes.)
    handoff_inquiry_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


KEY_COLUMNS = {"line": "line_key", "phone": "phone_key"}
VALUE_COLUMNS = {"line": "line_user_id", "phone": "phone"}


def identity_kind(channel: str) -> str:
    """LINE residents are keyed by user id; voice and SMS by phone number."""
    return "line" if channel in ("line", "sandbox") else "phone"


def find_resident(session: Session, kind: str, value: str, lock: bool = False) -> Resident | None:
    column = getattr(Resident, KEY_COLUMNS[kind])
    query = select(Resident).where(column.in_(crypto.lookup_hashes(value)))
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def get_or_create_resident(
    session: Session, kind: str, value: str, lock: bool = False
) -> Resident:
    """Find or create the resident; with ``lock`` the row is locked until commit,
    which serialises concurrent events from the same resident (PostgreSQL)."""
    resident = find_resident(session, kind, value, lock)
    if resident is not None:
        return resident
    try:
        with session.begin_nested():
            resident = Resident()
            setattr(resident, VALUE_COLUMNS[kind], value)
            setattr(resident, KEY_COLUMNS[kind], crypto.lookup_hash(value))
            session.add(resident)
        return resident
    except IntegrityError:
        # Another transaction created them a moment ago.
        found = find_resident(session, kind, value, lock)
        assert found is not None
        return found
