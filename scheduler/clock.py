"""The clock: APScheduler running the jobs in scheduler/jobs.py.

``python -m scheduler`` (Procfile ``clock:``) runs it in the foreground;
``SCHEDULER=inprocess`` runs it inside the web process for the one-command
laptop setup. Either way it first takes the clock lock, so a second clock
against the same database refuses to run.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from models.db import db
from scheduler.jobs import CRON_JOBS, JOBS
from scheduler.lock import ClockLock
from scheduler.reach_jobs import CRON_JOBS as REACH_CRON_JOBS
from scheduler.reach_jobs import JOBS as REACH_JOBS
from scheduler.retention_jobs import CRON_JOBS as RETENTION_CRON_JOBS

log = logging.getLogger(__name__)


def configure(scheduler, app: Flask):
    for job_id, (func, seconds) in {**JOBS, **REACH_JOBS}.items():
        scheduler.add_job(
            func,
            "interval",
            seconds=seconds,
            args=[app],
            id=job_id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=seconds,
        )
    for job_id, (func, fields) in {**CRON_JOBS, **RETENTION_CRON_JOBS, **REACH_CRON_JOBS}.items():
        scheduler.add_job(
            func,
            "cron",
            args=[app],
            id=job_id,
            max_instances=1,
            coalesce=True,
            # A clock restarted within 3 hours still runs a missed daily job.
            misfire_grace_time=3 * 3600,
            **(fields() if callable(fields) else fields),
        )
    return scheduler


def run_forever(app: Flask) -> None:
    lock = ClockLock(db.engine)
    lock.acquire()  # raises ClockLockTaken
    try:
        log.info("clock started with %d jobs", len(JOBS))
        configure(BlockingScheduler(timezone="Asia/Tokyo"), app).start()
    finally:
        lock.release()


def start_in_process(app: Flask) -> BackgroundScheduler | None:
    from scheduler.lock import ClockLockTaken

    lock = ClockLock(db.engine)
    try:
        lock.acquire()
    except ClockLockTaken:
        log.warning("in-process scheduler not started: another clock runs")
        return None
    scheduler = configure(BackgroundScheduler(timezone="Asia/Tokyo"), app)
    scheduler.start()
    app.extensions["clock"] = (scheduler, lock)
    log.info("in-process scheduler started")
    return scheduler
