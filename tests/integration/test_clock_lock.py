"""Exactly one clock per database: a second one refuses to run."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from models.city import PROJECT_ROOT
from models.db import make_engine
from scheduler.clock import Clock
from scheduler.lock import ClockLock, ClockLockTaken, lock_keys


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


# -- the lock is tied to a connection the clock checks (PostgreSQL) ---------------------


def _terminate(url: str, backend_pid: int) -> None:
    admin = make_engine(url)
    with admin.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": backend_pid}).scalar()
    admin.dispose()


def test_a_lock_whose_connection_was_terminated_is_known_lost_and_free(pg_url):
    first, second = ClockLock(make_engine(pg_url)), ClockLock(make_engine(pg_url))
    first.acquire()
    assert first.held()
    _terminate(pg_url, first.backend_pid)
    assert not first.held()
    second.acquire()  # the server let go with the connection
    assert second.held()
    second.release()
    first.release()


def test_the_lock_is_per_schema_so_two_test_schemas_never_collide(pg_url):
    from tests.conftest import private_pg_schema

    with private_pg_schema() as other_url:
        here, there = ClockLock(make_engine(pg_url)), ClockLock(make_engine(other_url))
        here.acquire()
        there.acquire()
        assert here.held() and there.held()
        here.release()
        there.release()


class Recorder:
    """A scheduler factory whose one job records (clock, start, end) of every run."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, float, float]] = []

    def factory(self, name: str):
        def make(clock: Clock) -> BackgroundScheduler:
            def tick() -> None:
                start = time.monotonic()
                time.sleep(0.05)
                self.runs.append((name, start, time.monotonic()))

            scheduler = BackgroundScheduler()
            scheduler.add_job(clock.guard(tick), "interval", seconds=0.1, id="tick",
                              max_instances=1, coalesce=True)  # fmt: skip
            return scheduler

        return make

    def count(self, name: str) -> int:
        return sum(1 for n, _, _ in self.runs if n == name)


def _until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_clock_whose_connection_is_terminated_stops_before_the_standby_starts(pg_url):
    recorder = Recorder()
    first = Clock(None, make_engine(pg_url), check_every=0.5, grace=1.5,
                  make_scheduler=recorder.factory("first"))  # fmt: skip
    standby = Clock(None, make_engine(pg_url), standby=True, check_every=0.1, grace=1.5,
                    make_scheduler=recorder.factory("standby"))  # fmt: skip
    exit_codes: dict[str, int] = {}
    threads = [
        threading.Thread(target=lambda: exit_codes.__setitem__("first", first.run())),
        threading.Thread(target=lambda: exit_codes.__setitem__("standby", standby.run())),
    ]
    threads[0].start()
    try:
        assert _until(lambda: recorder.count("first") >= 3, 10)
        threads[1].start()
        time.sleep(1.0)
        assert recorder.count("standby") == 0  # waits while the first clock lives
        _terminate(pg_url, first.lock.backend_pid)
        assert _until(lambda: recorder.count("standby") >= 3, 15)
        threads[0].join(10)
        assert exit_codes.get("first") == 1  # another clock took over: it exits
    finally:
        first.stop()
        standby.stop()
        for thread in threads:
            thread.join(10)
    first_end = max(end for name, _, end in recorder.runs if name == "first")
    standby_start = min(start for name, start, _ in recorder.runs if name == "standby")
    assert first_end < standby_start  # never two clocks running jobs at once
    assert exit_codes["standby"] == 0


def test_a_clock_that_lost_its_connection_alone_takes_the_lock_again(pg_url):
    recorder = Recorder()
    clock = Clock(None, make_engine(pg_url), check_every=0.3, grace=1.0,
                  make_scheduler=recorder.factory("clock"))  # fmt: skip
    thread = threading.Thread(target=clock.run)
    thread.start()
    try:
        assert _until(lambda: recorder.count("clock") >= 3, 10)
        _terminate(pg_url, clock.lock.backend_pid)
        assert _until(lambda: not clock.active(), 5)  # noticed within a check or two
        stopped_at = time.monotonic()
        assert _until(lambda: clock.active(), 15)  # the lock is taken again, jobs resume
        resumed_at = time.monotonic()
        before = recorder.count("clock")
        assert _until(lambda: recorder.count("clock") > before, 5)
    finally:
        clock.stop()
        thread.join(10)
    assert resumed_at - stopped_at >= 0.9  # the grace after taking the lock
    assert not any(stopped_at < start < resumed_at for _, start, _ in recorder.runs)


def _intervals(log: str) -> list[tuple[float, float]]:
    """(running, stopped) periods from a clock's log lines (stopped = +inf while running)."""
    from datetime import datetime

    periods: list[list[float]] = []
    for line in log.splitlines():
        stamp = line[:23]
        if "clock running" not in line and "clock jobs stopped" not in line:
            continue
        at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
        if "clock running" in line:
            periods.append([at, float("inf")])
        elif periods:
            periods[-1][1] = at
    return [(a, b) for a, b in periods]


def test_python_m_scheduler_standby_takes_over_only_after_the_first_clock_stopped(pg_url, tmp_path):
    from tests.conftest import TEST_KEY, _fresh_database

    _fresh_database(pg_url)
    env = {"DATABASE_URL": pg_url, "DATA_ENCRYPTION_KEY": TEST_KEY, "PATH": "/usr/bin:/bin"}
    logs = {name: tmp_path / f"{name}.log" for name in ("first", "standby")}
    procs = {}

    def start(name: str, *args: str) -> None:
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "scheduler", *args], env=env, cwd=PROJECT_ROOT,
            stdout=logs[name].open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def log(name: str) -> str:
        return logs[name].read_text()

    try:
        start("first")
        assert _until(lambda: "clock running" in log("first"), 60), log("first")
        start("standby", "--standby")
        assert _until(lambda: "standby" in log("standby"), 60), log("standby")
        time.sleep(3)
        assert "clock running" not in log("standby")
        admin = make_engine(pg_url)  # the private schema's clock, nobody else's
        with admin.begin() as conn:
            keys = lock_keys(conn.execute(text("SELECT current_schema()")).scalar())
            (holder,) = conn.execute(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND objsubid = 2 AND classid = :a AND objid = :b"
                ),
                {"a": keys[0], "b": keys[1]},
            ).scalars().all() or [None]
        admin.dispose()
        assert holder is not None
        _terminate(pg_url, holder)
        # Either the standby takes over (the first then exits) or the first takes it back.
        assert _until(
            lambda: "clock running" in log("standby") or log("first").count("clock running") > 1,
            60,
        ), log("first") + log("standby")
        if "clock running" in log("standby"):
            assert procs["first"].wait(30) == 1
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(30)
    assert "clock lock lost" in log("first")
    for a_start, a_end in _intervals(log("first")):
        for b_start, b_end in _intervals(log("standby")):
            assert a_end < b_start or b_end < a_start, (log("first"), log("standby"))
