"""The clock's jobs. Each runs inside ``with app.app_context():`` and its own
unit of work, and logs counts only."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

from models.db import db

log = logging.getLogger(__name__)


def deliver_outbox(app: Flask) -> None:
    """Send due pushes and retries."""
    with app.app_context():
        app.extensions["delivery"].deliver()


def keeps_running(app: Flask) -> Callable[[], bool]:
    """False as soon as this clock must stop its jobs (it lost its lock, or stops)."""
    clock = app.extensions.get("clock")
    return clock.active if clock is not None else (lambda: True)


def process_stale_events(app: Flask) -> None:
    """Events recorded but never processed (a worker died): process them now, oldest
    first, until none is left (each run stops a moment before the next one is due)."""
    from bot.recovery import Recovery

    with app.app_context():
        recovery = app.extensions.get("recovery")
        if recovery is None:
            recovery = Recovery(app.extensions["delivery"])
            app.extensions["recovery"] = recovery
        taken = recovery.run(RECOVERY_SECONDS - 0.5, keeps_running(app))
        if taken:
            log.info("recovered %d stale inbound events", taken)


def escalate_failed_events(app: Flask) -> None:
    """A failed event becomes an inquiry so that a person follows it up.

    Each event in its own transaction: an event whose payload cannot be used
    is marked escalated without an inquiry (logged by error class), so it
    never holds back the others.
    """
    from sqlalchemy import select

    from models.inbound import ESCALATED, FAILED, InboundEvent, mark

    with app.app_context():
        with db.reader() as s:
            ids = list(
                s.scalars(
                    select(InboundEvent.id)
                    .where(InboundEvent.status == FAILED)
                    .order_by(InboundEvent.id)
                    .limit(50)
                )
            )
        for event_id in ids:
            try:
                _escalate(event_id)
            except Exception as exc:  # noqa: BLE001 - isolated; no text in the log
                log.error("inbound event %s: no inquiry opened (%s)", event_id, type(exc).__name__)
                with db.unit_of_work() as s:
                    error = s.scalar(select(InboundEvent.error).where(InboundEvent.id == event_id))
                    mark(s, event_id, ESCALATED, error)
                    s.commit()
        if ids:
            log.info("escalated %d failed inbound events", len(ids))


def _escalate(event_id: int) -> None:
    from models.inbound import ESCALATED, FAILED, InboundEvent
    from models.inquiries import open_inquiry
    from models.residents import get_or_create_resident

    with db.unit_of_work() as s:
        event = s.get(InboundEvent, event_id)
        if event is None or event.status != FAILED:
            return
        user = event.payload.get("userId") if isinstance(event.payload, dict) else None
        if isinstance(user, str) and user:
            resident = get_or_create_resident(s, "line", user)
            open_inquiry(s, resident, channel=event.channel, category="other", pause_bot=False)
        event.status = ESCALATED
        s.commit()


def follow_up_defects(app: Flask) -> None:
    """Defect cases: next contact on the cadence, unreachable after it (issue 7)."""
    from scheduler.defect_jobs import follow_up_defects as run

    run(app)


# While a backlog lasts, recovery runs almost continuously: each run works
# until half a second before the next is due.
RECOVERY_SECONDS = 5

# job id -> (function, seconds between runs)
JOBS = {
    "deliver_outbox": (deliver_outbox, 5),
    "process_stale_events": (process_stale_events, RECOVERY_SECONDS),
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
