"""Engine, sessions and the unit of work.

One ``Database`` per process, bound by ``create_app`` (web) or the clock.
``with db.unit_of_work() as s:`` yields a session; leaving the block without
``s.commit()`` rolls back (cosmicpython's unit of work).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

# A pooled connection unused this long is pinged before use (a database
# restart or a dropped connection is then found before a request uses it);
# one in steady use is not: a ping per checkout was a round trip per query.
PING_IF_IDLE_FOR = 10.0  # seconds
POOL_SIZE = 10  # per process: request threads + the event pipeline (docs/performance.md)
MAX_OVERFLOW = 5


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    # With WAL, NORMAL keeps the database consistent across crashes and only
    # risks the last commits on power loss: right for the embedded default.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def normalize_url(url: str) -> str:
    """Accept Heroku-style postgres:// URLs and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling, only for connections that sat idle."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_IF_IDLE_FOR:
            return
        try:
            ok = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - the pool replaces the connection
            raise DisconnectionError() from exc
        if not ok:  # pragma: no cover - psycopg raises instead
            raise DisconnectionError()


def make_engine(
    url: str, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW, **options
) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 10, "check_same_thread": False},
            hide_parameters=True,  # errors never echo bound values into logs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # SQLite's deferred transactions let two writers both read before
        # either writes; BEGIN IMMEDIATE takes the write lock up front so
        # read-then-write units of work stay race-free across threads and
        # processes. Read-only units (db.reader()) begin deferred and never wait.
        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # pragma: no cover - trivial
            read_only = conn.get_execution_options().get("read_only")
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        # pysqlite's own transaction handling must be off for BEGIN IMMEDIATE.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection, _record) -> None:  # pragma: no cover
            dbapi_connection.isolation_level = None

        return engine
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, hide_parameters=True, **options
    )
    _ping_when_idle(engine)
    return engine


class Database:
    def __init__(self) -> None:
        self.engine: Engine | None = None
        # PostgreSQL: a few connections kept in autocommit, for single-statement writes.
        self._autocommit: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    def bind(self, url: str, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW) -> None:
        for engine in (self.engine, self._autocommit):
            if engine is not None:
                engine.dispose()
        self.engine = make_engine(url, pool_size, max_overflow)
        self._autocommit = None
        if self.engine.dialect.name == "postgresql":
            self._autocommit = make_engine(url, 2, 4, isolation_level="AUTOCOMMIT")
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _after_fork(self) -> None:
        """A forked child (gunicorn --preload) opens its own connections."""
        for engine in (self.engine, self._autocommit):
            if engine is not None:
                engine.dispose(close=False)

    @property
    def autocommit_engine(self) -> Engine | None:
        """The single-statement pool (PostgreSQL only; ``single_statement``)."""
        return self._autocommit

    @property
    def dialect(self) -> str:
        assert self.engine is not None, "database not bound"
        return self.engine.dialect.name

    def session(self) -> Session:
        assert self._sessions is not None, "database not bound: call create_app first"
        return self._sessions()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        s = self.session()
        try:
            yield s
        finally:
            s.rollback()
            s.close()

    @contextmanager
    def single_statement(self) -> Iterator[Connection]:
        """A connection for a write that is ONE statement, durable when the block ends.

        On PostgreSQL the statement runs in autocommit (it is its own
        transaction: one round trip instead of BEGIN, statement, COMMIT);
        elsewhere it runs in a transaction committed at the end of the block.
        """
        assert self.engine is not None, "database not bound"
        if self._autocommit is not None:
            with self._autocommit.connect() as conn:
                yield conn
        else:
            with self.engine.begin() as conn:
                yield conn

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only unit of work (on SQLite it does not take the write lock)."""
        s = self.session()
        s.connection(execution_options={"read_only": True})
        try:
            yield s
        finally:
            s.rollback()
            s.close()

    def ping(self) -> bool:
        try:
            with self.reader() as s:
                s.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - health check reports, never raises
            return False


db = Database()
os.register_at_fork(after_in_child=db._after_fork)
