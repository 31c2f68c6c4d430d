"""Renewal reminders, run by the clock (registered in scheduler/clock.py).

Every hour of the working day from ``renewals.send_at`` (city.yaml), in
business hours only: each registered expiry date (``models/renewals.py``)
whose reminder day has come gets its reminder, by LINE or else SMS
(``handlers.notify``). A stage's day is ``remind_days_before`` days before
the expiry, moved back to the last business day on or before it, so a
reminder never falls on a weekend, a holiday or the year-end closure and
never comes later than promised. When the clock was down, the next run
sends only the latest stage that is due (older ones are recorded as skipped).
Each stage is claimed under a unique constraint in the same transaction as
its message: once, never twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from handlers.contract import Choice, Reply
from handlers.notify import notify
from handlers.purpose import BOOK_RENEWAL
from handlers.text import label
from models import renewals as rn
from models.city import city
from scheduler.business_calendar import JST, is_business_day, within_business_hours

log = logging.getLogger(__name__)


def send_at() -> time:
    raw = (city().get("renewals") or {}).get("send_at", "10:00")
    if isinstance(raw, int):  # YAML reads an unquoted 10:00 as minutes
        return time(raw // 60, raw % 60)
    return time.fromisoformat(str(raw))


def reminder_day(expiry: date, days_before: int) -> date:
    """The last business day on or before ``expiry - days_before``."""
    day = expiry - timedelta(days=days_before)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def reminder_reply(reminder: rn.RenewalReminder, days_before: int, today: date) -> Reply:
    context = {"kind": reminder.kind, "expires": reminder.expires_on,
               "days_left": (reminder.expiry - today).days, "stage": days_before}  # fmt: skip
    if reminder.kind == rn.CARD:
        first = Choice(label("book_renewal"), BOOK_RENEWAL)
    else:
        first = Choice(label("cert_renewal_howto"), "faq:e_certificate")
    choices = [first, Choice(label("unsubscribe"), "g:unsubscribe"), Choice(label("menu"), "g:menu")]
    return Reply(f"renewal/reminder_{reminder.kind}", context, choices)


def send_renewal_reminders(session: Session, now: datetime) -> int:
    """Queue the reminders due today; return how many."""
    if not within_business_hours(now) or now.astimezone(JST).time() < send_at():
        return 0
    today = now.astimezone(JST).date()
    stages = rn.remind_days_before()
    sent = 0
    for reminder in rn.open_reminders(session):
        done = rn.stages_done(session, reminder.id)
        due = [d for d in stages if d not in done and reminder_day(reminder.expiry, d) <= today]
        if due and reminder.expiry > today:
            latest = min(due)
            for older in due[:-1]:
                rn.record_stage(session, reminder.id, older, now, skipped=True)
            notice = rn.record_stage(session, reminder.id, latest, now)
            if notice is not None:
                reply = reminder_reply(reminder, latest, today)
                notice.outbox_id = notify(session, reminder.resident_id, [reply],
                                          source="renewal").id  # fmt: skip
                sent += 1
        elif due:  # expired before any reminder could go: nothing useful to send
            for stage in due:
                rn.record_stage(session, reminder.id, stage, now, skipped=True)
        if reminder.expiry <= today or len(rn.stages_done(session, reminder.id)) >= len(stages):
            reminder.done_at = now
    return sent


def remind_renewals(app) -> None:
    from models.base import utcnow
    from models.db import db

    with app.app_context():
        with db.unit_of_work() as s:
            n = send_renewal_reminders(s, utcnow())
            s.commit()
    if n:
        log.info("queued %d renewal reminders", n)


def _cron() -> dict:
    return {"hour": f"{send_at().hour}-16", "minute": send_at().minute}


# job id -> (function, cron fields in Asia/Tokyo), like scheduler.jobs.CRON_JOBS
CRON_JOBS = {"remind_renewals": (remind_renewals, _cron)}
