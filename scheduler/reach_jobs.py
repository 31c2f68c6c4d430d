"""The clock's jobs for reaching residents (issue 14), registered in scheduler/clock.py.

- ``dispatch_announcements`` (every minute): approved announcements whose time
  has come, in business hours, get their recipients and outbox rows
  (``handlers.announce_ops.dispatch``; one unit of work each);
- ``settle_announcements`` (every minute): delivery outcomes onto recipients,
  finished sends marked sent, bookings within 7 days frozen;
- ``remind_renewals`` (hourly in the working day): ``scheduler/renewal_jobs.py``.
"""

from __future__ import annotations

import logging

from flask import Flask

from handlers import announce_ops as ops
from models import announcements as an
from models.base import utcnow
from models.db import db
from scheduler.renewal_jobs import CRON_JOBS as RENEWAL_CRON_JOBS

log = logging.getLogger(__name__)


def line_quota(app: Flask):
    """The month's LINE quota, read through the app's LINE client (raises on failure)."""
    return app.extensions["delivery"].line_client().quota


def dispatch_due(app: Flask, now=None) -> int:
    now = now or utcnow()
    with app.app_context():
        with db.reader() as s:
            ids = an.due(s, now)
        queued = 0
        for announcement_id in ids:
            quota = ops.prefetched(line_quota(app))
            with db.unit_of_work() as s:
                queued += ops.dispatch(s, announcement_id, now, quota)
                s.commit()
        if queued:
            log.info("announcements: %d messages queued", queued)
            app.extensions["delivery"].deliver()
    return queued


def settle_sent(app: Flask, now=None) -> int:
    with app.app_context():
        with db.unit_of_work() as s:
            n = ops.settle(s, now or utcnow())
            s.commit()
    return n


def _dispatch(app: Flask) -> None:
    dispatch_due(app)


def _settle(app: Flask) -> None:
    settle_sent(app)


# job id -> (function, seconds between runs), like scheduler.jobs.JOBS
JOBS = {
    "dispatch_announcements": (_dispatch, 60),
    "settle_announcements": (_settle, 60),
}
CRON_JOBS = {**RENEWAL_CRON_JOBS}
