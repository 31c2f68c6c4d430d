"""The clock's jobs. Each runs inside ``with app.app_context():`` and its own
unit of work, and logs counts only."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask

from models.base import utcnow
from models.db import db

log = logging.getLogger(__name__)


def deliver_outbox(app: Flask) -> None:
    """Send due pushes and retries."""
    with app.app_context():
        app.extensions["delivery"].deliver()


def process_stale_events(app: Flask) -> None:
    """Events recorded but never processed (a worker died): process them now."""
    from bot.processing import process_event
    from models.inbound import stale_events

    with app.app_context():
        with db.unit_of_work() as s:
            ids = stale_events(s, utcnow(), timedelta(seconds=30))
        for event_id in ids:
            app.extensions["delivery"].deliver(process_event(event_id))
        if ids:
            log.info("processed %d stale inbound events", len(ids))


def escalate_failed_events(app: Flask) -> None:
    """A failed event becomes an inquiry so that a person follows it up."""
    from models.inbound import ESCALATED, InboundEvent
    from models.inquiries import open_inquiry
    from models.residents import get_or_create_resident

    with app.app_context():
        with db.unit_of_work() as s:
            from sqlalchemy import select

            failed = s.scalars(
                select(InboundEvent).where(InboundEvent.status == "failed").limit(50)
            ).all()
            for event in failed:
                user = (event.payload or {}).get("userId")
                if user:
                    resident = get_or_create_resident(s, "line", user)
                    open_inquiry(
                        s, resident, channel=event.channel, category="other", pause_bot=False
                    )
                event.status = ESCALATED
            s.commit()
        if failed:
            log.info("escalated %d failed inbound events", len(failed))


def follow_up_defects(app: Flask) -> None:
    """Defect cases: next contact on the cadence, unreachable after it (issue 7)."""
    from scheduler.defect_jobs import follow_up_defects as run

    run(app)


# job id -> (function, seconds between runs)
JOBS = {
    "deliver_outbox": (deliver_outbox, 5),
    "process_stale_events": (process_stale_events, 30),
    "escalate_failed_events": (escalate_failed_events, 60),
    "follow_up_defects": (follow_up_defects, 600),
}


def _day_before_cron() -> dict:
    from scheduler.booking_jobs import day_before_at

    at = day_before_at()
    return {"hour": at.hour, "minute": at.minute}


def _remind_day_before(app: Flask) -> None:
    from scheduler.booking_jobs import remind_day_before

    remind_day_before(app)


def _nudge_unanswered_proposals(app: Flask) -> None:
    from scheduler.booking_jobs import nudge_unanswered_proposals

    nudge_unanswered_proposals(app)


def _close_waiting_lists(app: Flask) -> None:
    from scheduler.booking_jobs import close_waiting_lists

    close_waiting_lists(app)


# job id -> (function, cron fields in Asia/Tokyo, or a callable returning them)
CRON_JOBS = {
    "remind_day_before": (_remind_day_before, _day_before_cron),
    # Hourly in the working day; the job itself skips outside business hours.
    "nudge_unanswered_proposals": (_nudge_unanswered_proposals, {"hour": "9-16", "minute": 5}),
    # Every 15 minutes: waiting lists end when their event starts; lapsed offers move on.
    "close_waiting_lists": (_close_waiting_lists, {"minute": "*/15"}),
}
