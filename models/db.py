"""Engine, sessions and the unit of work.

One ``Database`` per process, bound by ``create_app`` (web) or the clock.
``with db.unit_of_work() as s:`` yields a session; leaving the block without
``s.commit()`` rolls back (cosmicpython's unit of work).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker


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


def make_engine(url: str) -> Engine:
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
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True
    )


class Database:
    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    def bind(self, url: str) -> None:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

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
