"""Defect follow-up, run by the clock (``follow_up_defects`` in scheduler/jobs.py JOBS).

Every few minutes, in business hours only (nobody is messaged at night):
1. a case whose applicant has since booked a venue place or asked for a
   visit moves to ``fix_booked``;
2. each case due for contact gets its next attempt (LINE, SMS or a callback
   task: ``handlers.defects.contact``), on the cadence from city.yaml;
3. a case whose cadence is over without an answer becomes ``unreachable``
   and an inquiry in the staff inbox (``handlers.defects.give_up``).
One unit of work per run; messages go out through the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handlers import defects as outreach
from models import defects as dc
from scheduler.business_calendar import within_business_hours

log = logging.getLogger(__name__)


@dataclass
class FollowUp:
    contacted: int = 0
    unreachable: int = 0
    fix_booked: int = 0


def follow_up(session: Session, now: datetime) -> FollowUp:
    """One pass over the open cases; the caller commits."""
    done = FollowUp()
    if not within_business_hours(now):
        return done
    for case in dc.cases_waiting_for_fix(session):
        if outreach.fix_booking_made(session, case):
            dc.transition(session, case, dc.FIX_BOOKED, now=now, note="booking found")
            done.fix_booked += 1
    for case in dc.due_cases(session, now):
        if case.attempts >= len(dc.cadence()):
            outreach.give_up(session, case, now)
            done.unreachable += 1
        else:
            outreach.contact(session, case, now)
            done.contacted += 1
    return done


def follow_up_defects(app) -> None:
    from models.base import utcnow
    from models.db import db

    with app.app_context():
        with db.unit_of_work() as s:
            done = follow_up(s, utcnow())
            s.commit()
    if done.contacted or done.unreachable or done.fix_booked:
        log.info(
            "defects: %d contacted, %d unreachable, %d fix booked",
            done.contacted, done.unreachable, done.fix_booked,
        )  # fmt: skip
