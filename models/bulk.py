"""Many rows in one fixed statement, for the webhook's hot path (issue 16).

SQLAlchemy's multi-row INSERT (``insertmanyvalues``) writes a new statement
text for every number of rows: on PostgreSQL psycopg parses it again each
time (its statement cache keeps only short statements with few parameters)
and the server plans it again. Here, on PostgreSQL, the statement text never
changes:

    INSERT INTO outbox (channel, kind, …) SELECT channel, kind, …
        FROM json_to_recordset(%s::json) AS x(channel varchar(16), kind varchar(16), …)
    UPDATE outbox SET status = %s … WHERE id = ANY(%s::integer[])

so psycopg converts it once and the server prepares it once per connection;
the rows travel as ONE JSON document (orjson, models/json_text.py; adapting lists of
values element by element in the driver is not).
Values still go through each column's type (encryption of personal fields,
UTC datetimes), exactly as with the ORM. On SQLite (the embedded default)
the same calls fall back to SQLAlchemy Core.

Only for plain columns of one table; the caller's transaction is used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection, Table, any_, bindparam, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models import json_text

_PG = postgresql.dialect()


@cache
def _pg_insert(
    table: Table, columns: tuple[str, ...], returning: tuple[str, ...], unique: str | None
) -> str:
    cols = [table.c[name] for name in columns]
    names = ", ".join(f'"{c.name}"' for c in cols)
    record = ", ".join(f'"{c.name}" {c.type.compile(_PG)}' for c in cols)
    sql = (
        f'INSERT INTO "{table.name}" ({names}) SELECT {names} '
        f"FROM json_to_recordset(%s::json) AS x({record})"
    )
    if unique:
        sql += f' ON CONFLICT ("{table.c[unique].name}") DO NOTHING'
    if returning:
        sql += " RETURNING " + ", ".join(f'"{table.c[n].name}"' for n in returning)
    return sql


@cache
def _processors(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[Any, ...]:
    """Each column's bind processing (encryption, UTC); None where there is none.

    JSON documents stay Python objects: they are nested in the rows' JSON as they are.
    """
    out = []
    for name in columns:
        column_type = table.c[name].type
        out.append(None if isinstance(column_type, JSON) else column_type._cached_bind_processor(dialect))
    return tuple(out)


def _value(value: Any, process: Any) -> Any:
    if value is None:
        return None
    if process is not None:
        value = process(value)
    return value.isoformat() if isinstance(value, datetime) else value


def int_array(values: Sequence[int]) -> str:
    """An integer[] literal (cheaper for the driver than a list of ints to adapt)."""
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def json_rows(rows: Sequence[dict[str, Any]] | Sequence[Sequence[Any]]) -> str:
    """Rows as one JSON document, for ``json_to_recordset`` (datetimes in ISO 8601)."""
    return json_text.dumps(rows)


def matches_any(column: Any, name: str, dialect: str, element_type: Any) -> Any:
    """``column`` among the values of the parameter ``name``: on PostgreSQL
    ``column = ANY(:name)`` (one statement text for any number of values, so it is
    prepared once), elsewhere an expanding IN."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(element_type)))
    return column.in_(bindparam(name, expanding=True))


def _connection(session: Session | Connection) -> Connection:
    return session if isinstance(session, Connection) else session.connection()


@contextmanager
def driver_cursor(session: Session | Connection) -> Iterator[Any]:
    """A cursor of the driver's own connection, in the caller's transaction.

    A driver error leaves as SQLAlchemy's exception for it (a lock or statement
    timeout is an ``OperationalError``, as through the ORM), so callers and the
    request guard (bot/db_guard.py: 503) treat it the same way.
    """
    conn = _connection(session)
    driver = conn.connection.driver_connection
    dbapi = conn.dialect.loaded_dbapi
    try:
        with driver.cursor() as cur:
            yield cur
    except dbapi.Error as exc:
        raise DBAPIError.instance(None, None, exc, dbapi.Error) from exc


def _dialect(session: Session | Connection) -> Dialect:
    # The bind's dialect: no connection is taken from the pool to learn it.
    return session.dialect if isinstance(session, Connection) else session.get_bind().dialect


def is_postgres(session: Session | Connection) -> bool:
    return _dialect(session).name == "postgresql"


def insert_rows(
    session: Session | Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    returning: tuple[str, ...] = (),
    *,
    unique: str | None = None,
) -> list[tuple]:
    """INSERT ``rows`` (dicts with the same keys) in one statement.

    With ``returning``, the tuples returned for the inserted rows: callers
    match them to their rows by a unique value they chose (event key, retry
    key), not by position. With ``unique`` (a column
    with a unique index), a row whose value is already there, or earlier in
    ``rows``, is skipped and returns nothing.
    """
    if not rows:
        return []
    conn = _connection(session)
    if conn.dialect.name != "postgresql":
        if unique:
            raise NotImplementedError("unique= is for PostgreSQL; elsewhere use ON CONFLICT")
        stmt = insert(table)
        if returning:
            stmt = stmt.returning(*(table.c[n] for n in returning), sort_by_parameter_order=True)
            return [tuple(r) for r in conn.execute(stmt, list(rows))]
        conn.execute(stmt, list(rows))
        return []
    sql, params = insert_sql(conn, table, rows, returning, unique=unique)
    with driver_cursor(conn) as cur:
        cur.execute(sql, params)
        return cur.fetchall() if returning else []


Statement = tuple[str, tuple]


def insert_sql(
    session: Session | Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    returning: tuple[str, ...] = (),
    *,
    unique: str | None = None,
) -> Statement:
    """PostgreSQL: the fixed INSERT of ``rows`` and its one parameter (see ``insert_rows``)."""
    columns = tuple(rows[0])
    pairs = tuple(zip(columns, _processors(table, columns, _dialect(session)), strict=True))
    document = json_rows([{n: _value(row[n], p) for n, p in pairs} for row in rows])
    return _pg_insert(table, columns, returning, unique), (document,)


def together(
    session: Session | Connection, parts: Sequence[Statement], final: Statement | None
) -> list[tuple]:
    """PostgreSQL: several writes as ONE statement (one round trip, one plan).

    ``parts`` are data-modifying statements without RETURNING, run as the
    ``WITH`` queries of ``final`` (whose rows are returned); PostgreSQL runs
    every data-modifying ``WITH`` query to completion, referenced or not.
    They see the same snapshot, so no part may depend on another's rows.
    """
    parts = list(parts)
    if final is None:
        final = ("SELECT 1", ())
        if not parts:
            return []
    if parts:
        sql = "WITH " + ", ".join(f"w{n} AS ({text})" for n, (text, _) in enumerate(parts))
        sql += " " + final[0]
        params = tuple(p for _, values in parts for p in values) + tuple(final[1])
    else:
        sql, params = final
    with driver_cursor(session) as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description is not None else []
