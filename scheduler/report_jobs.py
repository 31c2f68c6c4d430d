"""Drafting the daily reports (issue 12, docs/reports.md), run by the clock.

At 17:30 Tokyo time (the end of the business day) and again at 21:30 (a
venue may stay open into the evening) every support day of the last week
whose events have all ended gets its daily report drafted (version 1, a
draft: ``handlers.reports.workflow.ensure_draft``); a day that has one
already is left alone, so a run missed or repeated changes nothing. Staff
record the figures and check the draft; the console reminds them of events
whose figures are missing. Registered in scheduler/clock.py from
``CRON_JOBS`` below.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
LOOK_BACK_DAYS = 7
RUN_AT = {"hour": "17,21", "minute": 30}


def draft_daily(session: Session, now: datetime) -> list[str]:
    """Draft the missing daily reports of ended support days; returns their keys."""
    from handlers.reports import content as rc
    from handlers.reports.workflow import ensure_draft
    from models.events import local
    from models.reports import DAILY, daily_keys

    today = local(now).date()
    have = daily_keys(session)
    by_day: dict = {}
    for event in rc.support_events(session, today - timedelta(days=LOOK_BACK_DAYS), today):
        day = local(event.starts_at).date()
        by_day[day] = by_day.get(day, True) and event.ends_at <= now
    drafted = []
    for day, ended in sorted(by_day.items()):
        if ended and day.isoformat() not in have:
            ensure_draft(session, DAILY, day.isoformat(), "clock")
            drafted.append(day.isoformat())
    return drafted


def draft_daily_reports(app: Flask) -> list[str]:
    from models.base import utcnow
    from models.db import db

    with app.app_context():
        with db.unit_of_work() as s:
            drafted = draft_daily(s, utcnow())
            s.commit()
    log.info("daily reports drafted: %d", len(drafted))
    return drafted


CRON_JOBS = {"draft_daily_reports": (draft_daily_reports, RUN_AT)}
