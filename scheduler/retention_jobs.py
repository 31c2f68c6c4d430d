"""The daily purge of personal data past its retention period (``models.retention``).

Runs at 03:30 Tokyo time, when nobody books or chats, in one unit of work: the
whole purge and its audit rows (one per kind, counts only) commit together or
not at all. The clock lock (scheduler/lock.py) keeps a second clock from
running it twice. Registered in scheduler/clock.py from ``CRON_JOBS`` below.
"""

from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger(__name__)
RUN_AT = {"hour": 3, "minute": 30}


def purge_personal_data(app: Flask) -> dict[str, int]:
    from models.base import utcnow
    from models.db import db
    from models.retention import purge

    with app.app_context():
        with db.unit_of_work() as s:
            summary = purge(s, utcnow(), actor="clock")
            s.commit()
    # Counts per kind only: nothing personal reaches the log.
    log.info("retention purge: %s", ", ".join(f"{k}={n}" for k, n in summary.items()))
    return summary


# job id -> (function, cron fields in Asia/Tokyo), like scheduler.jobs.CRON_JOBS
CRON_JOBS = {"purge_personal_data": (purge_personal_data, RUN_AT)}
