"""Writes a batch of events collects and makes at its end, in one statement each.

``process_batch`` (bot/processing.py) dispatches up to 64 events in one
transaction. The routine writes of each event — the resident was seen, the
conversation was used, a question kept for FAQ review — would each be an ORM
object for the unit of work to flush; here they are collected on the session
(``session.info``) and written once per batch by ``flush_deferred``: fixed
statements on PostgreSQL (models/bulk.py), executemany elsewhere. Outside a
batch (``collecting`` not called) every helper writes through the ORM at once,
as before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models.bulk import driver_cursor, insert_rows, is_postgres, json_rows

_KEY = "deferred_writes"


class _Writes:
    __slots__ = ("inserts", "seen", "touched")

    def __init__(self) -> None:
        self.inserts: list[tuple[Table, dict[str, Any]]] = []
        self.seen: dict[int, tuple[Any, datetime]] = {}  # id(resident) -> (resident, at)
        self.touched: dict[int, Any] = {}  # id(conversation) -> conversation


def collecting(session: Session) -> None:
    """From now until ``flush_deferred``, the helpers below collect instead of writing."""
    session.info[_KEY] = _Writes()


def _writes(session: Session) -> _Writes | None:
    return session.info.get(_KEY)


def add_row(session: Session, table: Table, row: dict[str, Any]) -> bool:
    """Insert ``row`` at the batch's end; False (nothing collected) outside a batch."""
    writes = _writes(session)
    if writes is None:
        return False
    writes.inserts.append((table, row))
    return True


def seen(session: Session, resident: Any, now: datetime) -> None:
    """The resident was seen now (``last_seen_at``)."""
    writes = _writes(session)
    if writes is None or resident.id is None:
        resident.last_seen_at = now
        return
    set_committed_value(resident, "last_seen_at", now)
    writes.seen[id(resident)] = (resident, now)


def touched(session: Session, conversation: Any, updated_at: datetime,
            expires_at: datetime | None) -> None:  # fmt: skip
    """The conversation was used now; it expires at ``expires_at`` (None: no flow)."""
    writes = _writes(session)
    if writes is None or conversation.id is None:
        conversation.updated_at = updated_at
        conversation.expires_at = expires_at
        return
    set_committed_value(conversation, "updated_at", updated_at)
    set_committed_value(conversation, "expires_at", expires_at)
    writes.touched[id(conversation)] = conversation


def flush_deferred(session: Session) -> None:
    """Write what the batch collected (after the unit of work's own flush)."""
    writes = session.info.pop(_KEY, None)
    if writes is None:
        return
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for table, row in writes.inserts:
        by_table.setdefault(table, []).append(row)
    for table, rows in by_table.items():
        insert_rows(session, table, rows)
    residents = [(r.id, at) for r, at in writes.seen.values()]
    conversations = [(c.id, c.updated_at, c.expires_at) for c in writes.touched.values()]
    if is_postgres(session):
        with driver_cursor(session) as cur:
            if residents:
                cur.execute(
                    "UPDATE residents SET last_seen_at = u.at FROM json_to_recordset(%s::json) "
                    "AS u(id integer, at timestamptz) WHERE residents.id = u.id",
                    (json_rows([{"id": i, "at": at} for i, at in residents]),),
                )
            if conversations:
                cur.execute(
                    "UPDATE conversations SET updated_at = u.u, expires_at = u.e "
                    "FROM json_to_recordset(%s::json) AS u(id integer, u timestamptz, "
                    "e timestamptz) WHERE conversations.id = u.id",
                    (json_rows([{"id": i, "u": u, "e": e} for i, u, e in conversations]),),
                )
        return
    from models.conversations import Conversation
    from models.residents import Resident

    conn = session.connection()
    if residents:
        conn.execute(
            update(Resident.__table__)
            .where(Resident.__table__.c.id == bindparam("rid"))
            .values(last_seen_at=bindparam("at")),
            [{"rid": i, "at": at} for i, at in residents],
        )
    if conversations:
        conn.execute(
            update(Conversation.__table__)
            .where(Conversation.__table__.c.id == bindparam("cid"))
            .values(updated_at=bindparam("u"), expires_at=bindparam("e")),
            [{"cid": i, "u": u, "e": e} for i, u, e in conversations],
        )


def discard(session: Session) -> None:
    """A batch that failed: forget what it collected."""
    session.info.pop(_KEY, None)
