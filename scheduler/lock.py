"""Exactly one clock per database.

PostgreSQL: a session-level advisory lock held on a dedicated connection for
the life of the process. SQLite: an exclusive ``flock`` on a file beside the
database. Both vanish with the process, so a crashed clock never blocks its
successor.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

CLOCK_LOCK_ID = 0x6D796E61  # "myna"


class ClockLockTaken(RuntimeError):
    """Another clock already runs against this database."""


class ClockLock:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn = None
        self._fd: int | None = None

    def acquire(self) -> None:
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": CLOCK_LOCK_ID})
            if not got.scalar():
                conn.close()
                raise ClockLockTaken("another clock holds the PostgreSQL advisory lock")
            conn.commit()
            self._conn = conn
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

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": CLOCK_LOCK_ID})
            self._conn.close()
            self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
