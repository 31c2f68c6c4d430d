"""The clock: APScheduler running the jobs in scheduler/jobs.py, only while it
holds the clock lock.

``python -m scheduler`` (Procfile ``clock:``) runs it in the foreground;
``SCHEDULER=inprocess`` runs it inside the web process for the one-command
laptop setup. Either way it first takes the clock lock, so a second clock
against the same database refuses to run (or, with ``--standby``, waits).

On PostgreSQL the lock lives on one connection (``scheduler/lock.py``). The
clock asks the server every ``CHECK_EVERY`` seconds whether it still holds
it; if not (the connection dropped, was terminated, the server restarted),
it stops its scheduler at once, lets running jobs finish their current unit,
and takes the lock again or exits. Jobs also stop on their own when the last
good check is older than two check intervals (a check that hangs). A clock
that takes the lock waits ``GRACE`` (well over two check intervals) before
its first job, so it never runs beside a clock that lost the lock but has
not noticed yet. Each time it takes the lock it builds a fresh scheduler, so
runs missed meanwhile are not replayed (the other clock may have made them).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import Engine

from models.db import db
from scheduler.jobs import CRON_JOBS, JOBS
from scheduler.lock import ClockLock, ClockLockTaken
from scheduler.reach_jobs import CRON_JOBS as REACH_CRON_JOBS
from scheduler.reach_jobs import JOBS as REACH_JOBS
from scheduler.report_jobs import CRON_JOBS as REPORT_CRON_JOBS
from scheduler.retention_jobs import CRON_JOBS as RETENTION_CRON_JOBS

log = logging.getLogger(__name__)

CHECK_EVERY = 2.0  # seconds between checks that the lock is still ours
GRACE = 10.0  # a clock that takes the lock waits this long before its first job (PostgreSQL)
RETAKE_FOR = 60.0  # after losing the lock: try to take it again this long, then exit


def configure(scheduler, app: Flask, wrap: Callable[[Callable], Callable] = lambda f: f):
    for job_id, (func, seconds) in {**JOBS, **REACH_JOBS}.items():
        scheduler.add_job(
            wrap(func),
            "interval",
            seconds=seconds,
            args=[app],
            id=job_id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=seconds,
        )
    for job_id, (func, fields) in {**CRON_JOBS, **RETENTION_CRON_JOBS, **REACH_CRON_JOBS,
                                  **REPORT_CRON_JOBS}.items():
        scheduler.add_job(
            wrap(func),
            "cron",
            args=[app],
            id=job_id,
            max_instances=1,
            coalesce=True,
            # A run delayed by a busy clock (up to 3 hours) still happens.
            misfire_grace_time=3 * 3600,
            **(fields() if callable(fields) else fields),
        )
    return scheduler


class Clock:
    """Holds the lock and runs the jobs only while it is sure it holds it."""

    def __init__(
        self,
        app: Flask,
        engine: Engine,
        *,
        standby: bool = False,
        check_every: float = CHECK_EVERY,
        grace: float | None = None,
        retake_for: float = RETAKE_FOR,
        make_scheduler: Callable[[Clock], BackgroundScheduler] | None = None,
    ) -> None:
        self.app = app
        self.lock = ClockLock(engine)
        self.standby = standby
        self.check_every = check_every
        self.lease = 2 * check_every
        self.grace = (GRACE if self.lock.postgres else 0.0) if grace is None else grace
        self.retake_for = retake_for
        self._make_scheduler = make_scheduler or self._app_scheduler
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._active = threading.Event()
        self._last_ok = 0.0
        self._jobs = 0
        self._idle = threading.Condition()
        self._checker = ThreadPoolExecutor(1, thread_name_prefix="clock-lock")

    # -- what jobs see ------------------------------------------------------------------

    def active(self) -> bool:
        """May a job start, or go on to its next unit, right now?"""
        return self._active.is_set() and time.monotonic() - self._last_ok < self.lease

    def guard(self, func: Callable) -> Callable:
        """A job that runs only while the clock is active, counted while it runs."""

        @functools.wraps(func)
        def run(*args, **kwargs):
            if not self.active():
                return None
            with self._idle:
                self._jobs += 1
            try:
                return func(*args, **kwargs)
            finally:
                with self._idle:
                    self._jobs -= 1
                    self._idle.notify_all()

        return run

    # -- the supervisor -----------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> int:
        """Hold the lock and run the jobs until ``stop``: 0 then, 1 if the lock was
        lost for good. Raises ClockLockTaken at once if another clock holds it and
        this one is not a standby."""
        if self.standby:
            if not self._take(until=None):
                return 0
        else:
            self.lock.acquire()
        try:
            while True:
                self._run_while_held()
                if self._stop.is_set():
                    return 0
                log.warning("clock: taking the clock lock again")
                if not self._take(until=None if self.standby else self.retake_for):
                    if self._stop.is_set():
                        return 0
                    log.error("clock lock not regained (another clock runs): exiting")
                    return 1
        finally:
            self.lock.release()
            self._checker.shutdown(wait=False)

    def _run_while_held(self) -> None:
        if self._stop.wait(self.grace):
            return
        self.scheduler = self._make_scheduler(self)
        self._last_ok = time.monotonic()
        self._active.set()
        self.scheduler.start()
        log.info("clock running with %d jobs", len(self.scheduler.get_jobs()))
        try:
            while not self._stop.wait(self.check_every):
                if not self._still_held():
                    log.error("clock lock lost: stopping the jobs at once")
                    return
                self._last_ok = time.monotonic()
        finally:
            self._active.clear()
            self.scheduler.pause()
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            log.info("clock jobs stopped")
            self._wait_for_jobs()
            self.lock.release()

    def _still_held(self) -> bool:
        try:
            return self._checker.submit(self.lock.held).result(timeout=self.check_every)
        except FutureTimeout:
            return False  # no answer in time: the connection cannot be vouched for

    def _wait_for_jobs(self, timeout: float = 60.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._jobs == 0, timeout):
                log.error("clock: %d job runs still going after the lock was lost", self._jobs)

    def _take(self, until: float | None) -> bool:
        """Try to take the lock every ``check_every`` seconds (for ``until`` seconds,
        or until stopped); True once held."""
        deadline = None if until is None else time.monotonic() + until
        announced = False
        while not self._stop.is_set():
            try:
                self.lock.acquire()
                return True
            except ClockLockTaken:
                if deadline is not None:
                    return False  # another clock runs: it keeps the jobs
                if not announced:
                    log.info("clock on standby: another clock holds the lock")
                    announced = True
            except Exception as exc:  # noqa: BLE001 - database away: try again
                log.warning("clock lock: cannot reach the database (%s)", type(exc).__name__)
            if deadline is not None and time.monotonic() >= deadline:
                return False
            self._stop.wait(self.check_every)
        return False

    def _app_scheduler(self, clock: Clock) -> BackgroundScheduler:
        return configure(BackgroundScheduler(timezone="Asia/Tokyo"), self.app, wrap=self.guard)


def run_forever(app: Flask, standby: bool = False) -> int:
    """The clock process: returns its exit code (raises ClockLockTaken if refused)."""
    import signal

    clock = Clock(app, db.engine, standby=standby)
    app.extensions["clock"] = clock
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: clock.stop())
    jobs = (JOBS, CRON_JOBS, RETENTION_CRON_JOBS, REACH_JOBS, REACH_CRON_JOBS)
    log.info("clock starting with %d jobs", sum(len(j) for j in jobs))
    return clock.run()


def start_in_process(app: Flask) -> Clock:
    """The laptop setup: the clock in a thread of the web process, on standby if
    another clock holds the lock (it takes over when that one stops)."""
    clock = Clock(app, db.engine, standby=True)
    app.extensions["clock"] = clock
    threading.Thread(target=clock.run, name="clock", daemon=True).start()
    log.info("in-process scheduler started")
    return clock
