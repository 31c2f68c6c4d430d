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

from models.bulk import Statement, insert_rows, insert_sql, int_array, is_postgres, together

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


def statements(session: Session) -> list[Statement]:
    """PostgreSQL: what the batch collected, as fixed statements (models/bulk.py)
    for ``together``; the collection is emptied."""
    writes = session.info.pop(_KEY, None)
    if writes is None:
        return []
    out: list[Statement] = []
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for table, row in writes.inserts:
        by_table.setdefault(table, []).append(row)
    out += [insert_sql(session, table, rows) for table, rows in by_table.items()]
    # One UPDATE per distinct value (a batch has one "now"): ``id = ANY(array)`` keeps the
    # index scan in a prepared statement's generic plan, where a join with a
    # json_to_recordset (estimated at 100 rows) may become a sequential scan.
    seen_at: dict[datetime, list[int]] = {}
    for resident, at in writes.seen.values():
        seen_at.setdefault(at, []).append(resident.id)
    out += [
        ("UPDATE residents SET last_seen_at = %s WHERE id = ANY(%s::integer[])",
         (at, int_array(ids)))
        for at, ids in seen_at.items()
    ]  # fmt: skip
    used: dict[tuple[datetime, datetime | None], list[int]] = {}
    for conv in writes.touched.values():
        used.setdefault((conv.updated_at, conv.expires_at), []).append(conv.id)
    out += [
        ("UPDATE conversations SET updated_at = %s, expires_at = %s "
         "WHERE id = ANY(%s::integer[])", (u, e, int_array(ids)))
        for (u, e), ids in used.items()
    ]  # fmt: skip
    return out


def flush_deferred(session: Session) -> None:
    """Write what the batch collected (after the unit of work's own flush)."""
    if is_postgres(session):
        together(session, statements(session), None)
        return
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
