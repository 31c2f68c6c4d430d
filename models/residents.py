"""Residents and how they are recognised on each channel.

A resident is found by a keyed hash of their LINE user id or phone number;
the identifiers themselves are stored encrypted.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Boolean, Integer, String, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, defer, mapped_column

from models import crypto
from models.base import Base, EncryptedText, UTCDateTime, utcnow
from models.bulk import matches_any


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
    # The language the resident is served in (models.locales; None: not chosen,
    # Japanese). Set when they pick one; proposed from the LINE profile once.
    language: Mapped[str | None] = mapped_column(String(16))
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


@cache
def _lock_query(kind: str, dialect: str):
    """Built once: on PostgreSQL ``key = ANY(:keys)`` (one statement text for any
    number of keys, prepared once); elsewhere an expanding IN."""
    column = getattr(Resident, KEY_COLUMNS[kind])
    match = matches_any(column, "keys", dialect, String)
    # The encrypted identifiers are decrypted only if a handler reads them.
    return (
        select(Resident)
        .options(defer(Resident.line_user_id), defer(Resident.phone),
                 defer(Resident.display_name))
        .where(match)
        .order_by(column)
        .with_for_update()
    )  # fmt: skip


def lock_residents(session: Session, kind: str, values: list[str]) -> dict[str, Resident]:
    """Find or create the residents with these identifiers, each row locked until commit.

    For a batch of events: one SELECT … FOR UPDATE, one INSERT … ON CONFLICT
    DO NOTHING for the newcomers and one more SELECT for them. Rows are locked
    and inserted in key order, so two batches sharing residents wait for each
    other instead of deadlocking.
    """
    key_name = KEY_COLUMNS[kind]
    hashes = {value: crypto.lookup_hashes(value) for value in dict.fromkeys(values)}
    by_hash: dict[str, Resident] = {}

    query = _lock_query(kind, session.get_bind().dialect.name)

    def lock(keys: list[str]) -> None:
        by_hash.update({getattr(r, key_name): r for r in session.scalars(query, {"keys": keys})})

    lock([h for keys in hashes.values() for h in keys])
    missing = sorted(
        (keys[0], value) for value, keys in hashes.items() if not any(h in by_hash for h in keys)
    )
    if missing:
        now = utcnow()
        rows = [{key_name: key, VALUE_COLUMNS[kind]: value, "line_reachable": False,
                 "created_at": now, "last_seen_at": now} for key, value in missing]  # fmt: skip
        dialect = session.get_bind().dialect.name
        make = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
        if make is None:  # pragma: no cover - PostgreSQL and SQLite only
            session.execute(insert(Resident), rows)
        else:
            session.execute(make(Resident).values(rows).on_conflict_do_nothing())
        lock([key for key, _ in missing])
    return {
        value: next(by_hash[h] for h in keys if h in by_hash) for value, keys in hashes.items()
    }
