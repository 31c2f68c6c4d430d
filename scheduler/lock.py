"""Exactly one clock per database (per schema on PostgreSQL).

PostgreSQL: a session-level advisory lock held on a dedicated connection (not
from the app's pool, so closing it really ends the session and the lock). The
lock lives exactly as long as that connection: ``held`` asks the server,
through the same connection, whether this session still holds it, so a
connection that dropped or was terminated is noticed. SQLite: an exclusive
``flock`` on a file beside the database, which lives as long as the process.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

CLOCK_LOCK_ID = 0x6D796E61  # "myna"
# A lost server or network must not hang the clock's checks (libpq settings, seconds).
CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "tcp_user_timeout": 10_000,  # milliseconds
}
_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND objsubid = 2"
    " AND classid = CAST(CAST(:a AS bigint) AS oid) AND objid = CAST(CAST(:b AS bigint) AS oid)"
)


def lock_keys(schema: str) -> tuple[int, int]:
    """The advisory lock's two keys: ours, and one for the schema the tables live in."""
    return CLOCK_LOCK_ID, zlib.crc32(schema.encode()) & 0x7FFFFFFF


class ClockLockTaken(RuntimeError):
    """Another clock already runs against this database."""


class ClockLock:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._keys: tuple[int, int] | None = None
        self._fd: int | None = None
        self.backend_pid: int | None = None

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self) -> None:
        """Take the lock or raise ClockLockTaken (database errors propagate)."""
        if self.postgres:
            self._acquire_pg()
            return
        database = make_url(str(self.engine.url)).database or ":memory:"
        path = Path(database + ".clock.lock") if database != ":memory:" else None
        if path is None:
            return  # an in-memory database has no other process to race with
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ClockLockTaken(f"another clock holds {path}") from None
        self._fd = fd

    def _acquire_pg(self) -> None:
        engine = create_engine(
            self.engine.url, poolclass=NullPool, hide_parameters=True, connect_args=CONNECT_ARGS
        )
        conn = engine.connect()
        try:
            # One lock per schema: the app's tables live in the connection's schema.
            schema = conn.execute(text("SELECT current_schema()")).scalar() or ""
            keys = lock_keys(schema)
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:a, :b)"), {"a": keys[0], "b": keys[1]}
            ).scalar()
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            conn.commit()
        except BaseException:
            conn.close()
            engine.dispose()
            raise
        if not got:
            conn.close()
            engine.dispose()
            raise ClockLockTaken("another clock holds the PostgreSQL advisory lock")
        self._conn, self._keys, self.backend_pid = conn, keys, pid

    def held(self) -> bool:
        """Does this clock still hold the lock? False on any error (the connection is gone)."""
        if self._fd is not None or not self.postgres:
            return True  # a flock lives as long as the process
        if self._conn is None or self._keys is None:
            return False
        try:
            count = self._conn.execute(_HELD, {"a": self._keys[0], "b": self._keys[1]}).scalar()
            self._conn.commit()
            return count == 1
        except Exception:  # noqa: BLE001 - any failure means the lock cannot be vouched for
            return False

    def release(self) -> None:
        """Let go (closing the session also ends the lock); never raises."""
        conn, self._conn, self._keys, self.backend_pid = self._conn, None, None, None
        if conn is not None:
            engine = conn.engine
            try:
                conn.close()
            except Exception:  # noqa: BLE001, S110 - the session ends with the connection
                pass
            engine.dispose()
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
