"""Booking reminders and nudges, run by the clock (see JOBS / CRON_JOBS in scheduler/jobs.py).

- ``remind_day_before``: daily at ``reminders.day_before_at`` (city.yaml,
  Tokyo time), every resident booked for tomorrow (venue bookings and
  scheduled visits) gets one reminder; ``reminded_at`` makes it once only.
- ``nudge_unanswered_proposals``: a proposed visit date not answered within
  2 business days gets one nudge (``nudged_at``), in business hours only.
- ``close_waiting_lists``: a waiting list ends when its event starts or is
  cancelled (each resident still waiting is told, once); a place offered from
  it and not booked within ``bookings.waitlist_offer_hours`` lapses and the
  next resident waiting is told.
Each job is one unit of work; pushes go through the outbox (LINE, else SMS).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import booking_views as views
from handlers.booking_rules import limits
from handlers.contract import Choice, Reply
from handlers.notify import notify
from handlers.text import label
from models import bookings as bk
from models.bookings import ACTIVE, Booking
from models.city import city
from models.events import CANCELLED, Slot, SupportEvent
from models.visits import SCHEDULED, VisitRequest, unanswered_proposals
from scheduler.business_calendar import JST, business_days_between, within_business_hours

log = logging.getLogger(__name__)
NUDGE_AFTER_BUSINESS_DAYS = 2


def day_before_at() -> time:
    raw = (city().get("reminders") or {}).get("day_before_at", "10:00")
    if isinstance(raw, int):  # YAML reads an unquoted 10:00 as minutes
        return time(raw // 60, raw % 60)
    return time.fromisoformat(str(raw))


def _tomorrow(now: datetime) -> tuple[datetime, datetime]:
    day = now.astimezone(JST).date() + timedelta(days=1)
    start = datetime.combine(day, time(0), JST)
    return start, start + timedelta(days=1)


def send_day_before_reminders(session: Session, now: datetime) -> int:
    """Queue one reminder per booking (and scheduled visit) happening tomorrow."""
    start, end = _tomorrow(now)
    sent = 0
    for booking in session.scalars(
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .join(SupportEvent, SupportEvent.id == Booking.event_id)
        .where(
            Booking.status == ACTIVE,
            Booking.reminded_at.is_(None),
            SupportEvent.status != CANCELLED,
            Slot.starts_at >= start,
            Slot.starts_at < end,
        )
    ):
        choices = [Choice(label("bookings"), "menu:bookings")]
        reply = Reply("bookings/reminder", views.booking_context(booking), choices)
        notify(session, booking.resident_id, [reply], source="reminder")
        booking.reminded_at = now
        sent += 1
    for request in session.scalars(
        select(VisitRequest)
        .join(SupportEvent, SupportEvent.id == VisitRequest.event_id)
        .where(
            VisitRequest.status == SCHEDULED,
            VisitRequest.reminded_at.is_(None),
            SupportEvent.status != CANCELLED,
            SupportEvent.starts_at >= start,
            SupportEvent.starts_at < end,
        )
    ):
        event = session.get(SupportEvent, request.event_id)
        context = {"w": views.when(event.starts_at, event.ends_at), "number": request.id}
        notify(session, request.resident_id, [Reply("bookings/visit_reminder", context)],
               source="reminder")  # fmt: skip
        request.reminded_at = now
        sent += 1
    return sent


def send_proposal_nudges(session: Session, now: datetime) -> int:
    """Nudge residents who left a proposed visit date unanswered for 2 business days."""
    if not within_business_hours(now):
        return 0  # nobody is nudged at night or on a holiday
    sent = 0
    for proposal in unanswered_proposals(session):
        if business_days_between(proposal.proposed_at, now) < NUDGE_AFTER_BUSINESS_DAYS:
            continue
        context = {"w": views.when(proposal.starts_at, proposal.ends_at)}
        choices = [Choice(label("bookings"), "menu:bookings"), Choice(label("person"), "g:person")]
        notify(session, proposal.request.resident_id,
               [Reply("bookings/proposal_nudge", context, choices)], source="nudge")  # fmt: skip
        proposal.nudged_at = now
        sent += 1
    return sent


def close_waiting(session: Session, now: datetime) -> tuple[int, int]:
    """End waiting lists of events that started or were cancelled; pass on lapsed offers.

    Returns (entries closed, places offered to the next resident)."""
    closed = 0
    for entry in bk.waiting_entries_to_close(session, now):
        event = session.get(SupportEvent, entry.event_id)
        if entry.status == bk.WAITING:  # an offered resident already knew of a place
            context = {**views.event_context(event), "cancelled": event.status == CANCELLED}
            choices = [Choice(label("venue"), "menu:venue"), Choice(label("menu"), "g:menu")]
            notify(session, entry.resident_id,
                   [Reply("bookings/waitlist_closed", context, choices)], source="waitlist")  # fmt: skip
        entry.status = bk.EXPIRED
        closed += 1
    offered = 0
    hold = timedelta(hours=limits()["waitlist_offer_hours"])
    for entry in bk.lapsed_offers(session, now - hold):
        entry.status = bk.EXPIRED
        event = session.get(SupportEvent, entry.event_id)
        if views.offer_freed_place(session, event, now) is not None:
            offered += 1
    return closed, offered


def _run(app, work):
    from models.base import utcnow
    from models.db import db

    with app.app_context():
        with db.unit_of_work() as s:
            n = work(s, utcnow())
            s.commit()
    return n


def remind_day_before(app) -> None:
    n = _run(app, send_day_before_reminders)
    log.info("queued %d day-before reminders", n)


def nudge_unanswered_proposals(app) -> None:
    n = _run(app, send_proposal_nudges)
    if n:
        log.info("queued %d visit-date nudges", n)


def close_waiting_lists(app) -> None:
    closed, offered = _run(app, close_waiting)
    if closed or offered:
        log.info("waiting lists: %d entries closed, %d places offered on", closed, offered)
