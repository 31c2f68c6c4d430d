"""Exactly one clock per database: a second one refuses to run."""

from __future__ import annotations

import subprocess
import sys
import time

from models.city import PROJECT_ROOT
from models.db import make_engine
from scheduler.lock import ClockLock, ClockLockTaken


def _second_lock_refused(url: str) -> tuple[bool, bool]:
    """(was the second clock refused while the first ran, could it start afterwards)"""
    first, second = ClockLock(make_engine(url)), ClockLock(make_engine(url))
    first.acquire()
    try:
        try:
            second.acquire()
            refused = False
            second.release()
        except ClockLockTaken:
            refused = True
    finally:
        first.release()
    second.acquire()  # free again once the first lets go
    second.release()
    return refused, True


def test_second_clock_is_refused_on_sqlite(tmp_path):
    assert _second_lock_refused(f"sqlite:///{tmp_path / 'clock.sqlite'}") == (True, True)


def test_second_clock_is_refused_on_postgresql(pg_url):
    assert _second_lock_refused(pg_url) == (True, True)


def test_python_m_scheduler_exits_when_another_clock_runs(tmp_path, database_url):
    from tests.conftest import TEST_KEY

    env = {
        "DATABASE_URL": database_url,
        "DATA_ENCRYPTION_KEY": TEST_KEY,
        "PATH": "/usr/bin:/bin",
    }
    holder = ClockLock(make_engine(database_url))
    holder.acquire()
    try:
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "scheduler"],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.release()
    assert proc.returncode == 1
    assert "refusing to start" in proc.stderr
    assert time.monotonic() - started < 60
