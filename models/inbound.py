"""Inbound platform events, recorded once under their unique id.

``record_events`` inserts and reports which ids are new; a redelivered or
concurrently duplicated event hits the unique key and is skipped.
``claim_event`` moves an event from received to processing with one
conditional update, so exactly one worker processes it.

Recovery (the clock) takes events left received too long with
``start_recovery``: oldest first, skipping rows another worker has locked,
and it commits the attempt before the work starts, so an event that kills
whatever processes it is tried at most ``MAX_ATTEMPTS`` times. For an event
still received, ``processed_at`` is the time its last attempt started.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Integer, String, Text, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, EncryptedJSON, UTCDateTime, utcnow
from models.bulk import Statement, driver_cursor, insert_rows, int_array, is_postgres, together

RECEIVED, PROCESSING, DONE, IGNORED = "received", "processing", "done", "ignored"
# A failed event is escalated to staff by the clock, then marked escalated.
FAILED, ESCALATED = "failed", "escalated"
# Recovery: an event is tried at most this often, RETRY_AFTER apart; then it fails
# with the error class of its last attempt (or ABANDONED if none was recorded).
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(seconds=15)
ABANDONED = "Abandoned"


class InboundEvent(Base):
    __tablename__ = "inbound_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(128), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=RECEIVED, index=True)
    # The event as received, with free text already redacted; encrypted.
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Exception class only: never message text or personal data.
    error: Mapped[str | None] = mapped_column(Text)


class _Claimed(NamedTuple):
    id: int
    channel: str
    event_type: str
    payload: dict[str, Any]


def _PAYLOAD_RESULT(value: str | None) -> Any:  # noqa: N802 - a column's result processor
    return EncryptedJSON().process_result_value(value, None)


_RECORD = {
    "postgresql": postgresql.insert(InboundEvent)
    .on_conflict_do_nothing(index_elements=["event_key"])
    .returning(InboundEvent.id, InboundEvent.event_key),
    "sqlite": sqlite.insert(InboundEvent)
    .on_conflict_do_nothing(index_elements=["event_key"])
    .returning(InboundEvent.id, InboundEvent.event_key),
}


def record_events(session: Session | Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert events in one statement, skipping keys already recorded; return the new
    ids in the order of ``rows`` (ids follow the order of the VALUES list)."""
    return sorted(insert_events(session, rows).values())


def insert_events(session: Session | Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert events in one statement; return {event key: new id} for the keys that
    were new (a key already recorded, or twice in ``rows``, is recorded once)."""
    if not rows:
        return {}
    now = utcnow()
    values = [
        {
            "channel": row["channel"],
            "event_key": row["event_key"],
            "event_type": row["event_type"],
            "status": row.get("status", RECEIVED),
            "payload": row["payload"],
            "received_at": row.get("received_at") or now,
            "attempts": 0,
            "error": row.get("error"),
        }
        for row in rows
    ]
    if is_postgres(session):  # one fixed statement (models/bulk.py)
        returned = insert_rows(session, InboundEvent.__table__, values, ("id", "event_key"),
                               unique="event_key")  # fmt: skip
        return {key: new_id for new_id, key in returned}
    bind = session if isinstance(session, Connection) else session.get_bind()
    stmt = _RECORD.get(bind.dialect.name)
    if stmt is None:  # pragma: no cover - PostgreSQL and SQLite only
        stmt = insert(InboundEvent).returning(InboundEvent.id)
    # One row: a plain INSERT; several: SQLAlchemy's insertmanyvalues, one statement.
    return {key: new_id for new_id, key in session.execute(stmt, values)}


def claim_event(
    session: Session, event_id: int, now: datetime, count: bool = True
) -> InboundEvent | None:
    """Take an event for processing; None if another worker has it or it is done.

    On PostgreSQL the update waits for a worker that holds the row, then
    finds it done; ``count=False`` when ``start_recovery`` already counted
    the attempt.
    """
    values: dict[str, Any] = {"status": PROCESSING, "processed_at": now}
    if count:
        values["attempts"] = InboundEvent.attempts + 1
    result = session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id, InboundEvent.status == RECEIVED)
        .values(**values)
    )
    if result.rowcount != 1:
        return None
    return session.get(InboundEvent, event_id)


def mark(session: Session, event_id: int, status: str, error: str | None = None) -> None:
    session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id)
        .values(status=status, error=error[:200] if error else None, processed_at=utcnow())
    )


def fail(session: Session, event_id: int, error: str) -> bool:
    """Mark an event failed unless another worker took it meanwhile (True if marked).

    Reads nothing of the payload, so it cannot fail on what the event holds.
    """
    result = session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id, InboundEvent.status == RECEIVED)
        .values(status=FAILED, error=error[:200], processed_at=utcnow())
    )
    return result.rowcount == 1


def note_error(session: Session, event_id: int, error: str) -> None:
    """Keep the error class of an attempt that left the event received (a retry follows)."""
    session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id, InboundEvent.status == RECEIVED)
        .values(error=error[:200])
    )


def start_recovery(
    session: Session, now: datetime, older_than: timedelta, skip: frozenset[int] = frozenset()
) -> tuple[int, int, str | None] | None:
    """The oldest event left received, counted as one more attempt (commit at once).

    Returns (id, attempts including this one, last error) or None. One
    statement: ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)``, so
    rows another transaction holds are skipped (SQLite's writers are
    serialised anyway), as are ids in ``skip`` (events this process is on).
    """
    oldest = (
        select(InboundEvent.id)
        .where(
            InboundEvent.status == RECEIVED,
            InboundEvent.received_at < now - older_than,
            or_(
                InboundEvent.processed_at.is_(None),
                InboundEvent.processed_at < now - RETRY_AFTER,
            ),
        )
        .order_by(InboundEvent.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if skip:
        oldest = oldest.where(InboundEvent.id.not_in(skip))
    row = session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == oldest.scalar_subquery())
        .values(attempts=InboundEvent.attempts + 1, processed_at=now)
        .returning(InboundEvent.id, InboundEvent.attempts, InboundEvent.error)
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


def failed_events(session: Session) -> list[InboundEvent]:
    return list(session.scalars(select(InboundEvent).where(InboundEvent.status == FAILED)))


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(InboundEvent.status, func.count()).group_by(InboundEvent.status)
    ).all()
    return {status: n for status, n in rows}


def claim_events(session: Session, event_ids: list[int]) -> list[Any]:
    """Take several received events for processing, in id order, locked until commit.

    Returns rows (id, channel, event_type, payload). An event already done, or
    held by another worker or the clock at this moment, is left out. The
    caller marks what it processed with ``mark_done`` in the same transaction.
    """
    if is_postgres(session):  # one fixed statement, prepared once (models/bulk.py)
        with driver_cursor(session) as cur:
            cur.execute(
                "SELECT id, channel, event_type, payload FROM inbound_events "
                "WHERE id = ANY(%s::integer[]) AND status = %s ORDER BY id "
                "FOR UPDATE SKIP LOCKED",
                (int_array(event_ids), RECEIVED),
            )
            decode = _PAYLOAD_RESULT
            return [_Claimed(i, c, t, decode(p)) for i, c, t, p in cur.fetchall()]
    return list(
        session.execute(
            select(
                InboundEvent.id, InboundEvent.channel, InboundEvent.event_type, InboundEvent.payload
            )
            .where(InboundEvent.id.in_(event_ids), InboundEvent.status == RECEIVED)
            .order_by(InboundEvent.id)
            .with_for_update(skip_locked=True)
        )
    )


def mark_done_sql(event_ids: list[int], now: datetime) -> Statement:
    """PostgreSQL: ``mark_done`` as a fixed statement (for ``models.bulk.together``)."""
    return (
        "UPDATE inbound_events SET status = %s, error = NULL, processed_at = %s, "
        "attempts = attempts + 1 WHERE id = ANY(%s::integer[])",
        (DONE, now, int_array(event_ids)),
    )


def mark_done(session: Session, event_ids: list[int], now: datetime) -> None:
    """Events processed in this transaction (claimed with ``claim_events``)."""
    if is_postgres(session):
        together(session, [], mark_done_sql(event_ids, now))
        return
    session.execute(
        update(InboundEvent)
        .where(InboundEvent.id.in_(event_ids))
        .values(status=DONE, error=None, processed_at=now, attempts=InboundEvent.attempts + 1)
        .execution_options(synchronize_session=False)
    )
