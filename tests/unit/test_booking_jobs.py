"""Reminders the day before, nudges for unanswered visit dates, and the schedule export."""

from __future__ import annotations

from sqlalchemy import select

from models.bookings import book
from models.outbox import OutboxMessage
from models.residents import get_or_create_resident
from models.visits import VisitRequest, propose
from scheduler.booking_jobs import (
    close_waiting,
    day_before_at,
    send_day_before_reminders,
    send_proposal_nudges,
)
from tests.booking_factories import jst, venue_event
from tests.unit.booking_driver import booking_session  # noqa: F401


def _book(session, event, user="U" + "1" * 32):
    rid = get_or_create_resident(session, "line", user).id
    return book(session, resident_id=rid, slot_id=event.slots[0].id, party_size=1,
                channel="line").booking  # fmt: skip


def test_the_reminder_time_comes_from_city_yaml():
    assert day_before_at().isoformat(timespec="minutes") == "10:00"


def test_every_booked_resident_is_reminded_once_the_day_before(session):
    tomorrow = venue_event(session, jst(2026, 12, 5, 10))
    later = venue_event(session, jst(2026, 12, 9, 10))
    a, b = _book(session, tomorrow), _book(session, tomorrow, "U" + "2" * 32)
    _book(session, later)
    assert send_day_before_reminders(session, jst(2026, 12, 4, 10)) == 2
    assert send_day_before_reminders(session, jst(2026, 12, 4, 11)) == 0  # once only
    messages = session.scalars(select(OutboxMessage)).all()
    assert {m.resident_id for m in messages} == {a.resident_id, b.resident_id}
    reply = messages[0].payload["replies"][0]
    assert reply["template"] == "bookings/reminder" and reply["context"]["code"]


def test_a_cancelled_booking_gets_no_reminder(session):
    from models.bookings import cancel_booking

    event = venue_event(session, jst(2026, 12, 5, 10))
    cancel_booking(session, _book(session, event), jst(2026, 12, 3, 10))
    assert send_day_before_reminders(session, jst(2026, 12, 4, 10)) == 0


def _proposal(session, at):
    rid = get_or_create_resident(session, "line", "U" + "3" * 32).id
    req = VisitRequest(resident_id=rid, kind="home", postal_code="7508521", address="x",
                       applicants=1, preferred=[], contact_phone="0832311111", channel="line")
    session.add(req)
    session.flush()
    return propose(session, req, jst(2026, 12, 10, 10), jst(2026, 12, 10, 11), at)


def test_an_unanswered_visit_date_is_nudged_after_two_business_days(session):
    proposal = _proposal(session, jst(2026, 12, 4, 15))  # Friday afternoon
    assert send_proposal_nudges(session, jst(2026, 12, 7, 15)) == 0  # Monday: 1 business day
    assert send_proposal_nudges(session, jst(2026, 12, 8, 15)) == 1  # Tuesday: 2
    assert send_proposal_nudges(session, jst(2026, 12, 9, 15)) == 0  # once only
    assert proposal.nudged_at is not None
    msg = session.scalars(select(OutboxMessage)).one()
    assert msg.payload["replies"][0]["template"] == "bookings/proposal_nudge"


def test_nobody_is_nudged_at_night_or_on_a_holiday(session):
    _proposal(session, jst(2026, 12, 1, 10))
    assert send_proposal_nudges(session, jst(2026, 12, 8, 22)) == 0
    assert send_proposal_nudges(session, jst(2026, 12, 12, 10)) == 0  # Saturday


def test_an_answered_proposal_is_not_nudged(session):
    from models.visits import answer_proposal

    proposal = _proposal(session, jst(2026, 12, 1, 10))
    answer_proposal(proposal, True, jst(2026, 12, 1, 12))
    assert send_proposal_nudges(session, jst(2026, 12, 8, 10)) == 0


def test_the_clock_schedules_the_booking_jobs():
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.clock import configure

    jobs = {j.id: j for j in configure(BackgroundScheduler(timezone="Asia/Tokyo"), None).get_jobs()}
    assert "deliver_outbox" in jobs
    assert str(jobs["remind_day_before"].trigger) == "cron[hour='10', minute='0']"
    assert "nudge_unanswered_proposals" in jobs
    assert str(jobs["close_waiting_lists"].trigger) == "cron[minute='*/15']"


def _wait(session, event, user):
    from models.bookings import join_waiting_list

    rid = get_or_create_resident(session, "line", user).id
    return join_waiting_list(session, rid, event.id)


def _templates(session):
    return [(m.resident_id, m.payload["replies"][0]["template"])
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]  # fmt: skip


def test_a_waiting_list_ends_when_its_event_starts_and_each_resident_is_told(session):
    event = venue_event(session, jst(2026, 12, 5, 10))
    first, second = _wait(session, event, "U" + "4" * 32), _wait(session, event, "U" + "5" * 32)
    assert close_waiting(session, jst(2026, 12, 5, 9, 45)) == (0, 0)  # not yet
    assert close_waiting(session, jst(2026, 12, 5, 10)) == (2, 0)
    assert (first.status, second.status) == ("expired", "expired")
    assert _templates(session) == [(first.resident_id, "bookings/waitlist_closed"),
                                   (second.resident_id, "bookings/waitlist_closed")]  # fmt: skip
    assert close_waiting(session, jst(2026, 12, 5, 11)) == (0, 0)  # told once


def test_a_cancelled_event_closes_its_waiting_list_with_the_reason(session):
    event = venue_event(session, jst(2026, 12, 9, 10))
    entry = _wait(session, event, "U" + "6" * 32)
    event.status = "cancelled"
    assert close_waiting(session, jst(2026, 12, 4, 10)) == (1, 0)
    msg = session.scalars(select(OutboxMessage)).one()
    assert msg.payload["replies"][0]["context"]["cancelled"] is True
    assert entry.status == "expired"


def test_an_offer_not_taken_in_a_day_passes_to_the_next_resident(session):
    from handlers.booking_views import offer_freed_place
    from models.bookings import cancel_booking

    event = venue_event(session, jst(2026, 12, 9, 10), slots=1, capacity=1)
    booking = _book(session, event)
    first, second = _wait(session, event, "U" + "7" * 32), _wait(session, event, "U" + "8" * 32)
    cancel_booking(session, booking, jst(2026, 12, 4, 10))
    assert offer_freed_place(session, event, jst(2026, 12, 4, 10)) == first.resident_id
    assert close_waiting(session, jst(2026, 12, 5, 9)) == (0, 0)  # 23 hours: still theirs
    assert close_waiting(session, jst(2026, 12, 5, 10, 15)) == (0, 1)
    assert (first.status, second.status) == ("expired", "offered")
    assert _templates(session)[-1] == (second.resident_id, "bookings/waitlist_offer")


def test_a_lapsed_offer_on_a_place_taken_meanwhile_offers_nothing(session):
    from handlers.booking_views import offer_freed_place
    from models.bookings import cancel_booking

    event = venue_event(session, jst(2026, 12, 9, 10), slots=1, capacity=1)
    booking = _book(session, event)
    first, second = _wait(session, event, "U" + "7" * 32), _wait(session, event, "U" + "8" * 32)
    cancel_booking(session, booking, jst(2026, 12, 4, 10))
    offer_freed_place(session, event, jst(2026, 12, 4, 10))
    _book(session, event, "U" + "9" * 32)  # someone else booked the freed place
    assert close_waiting(session, jst(2026, 12, 5, 10, 15)) == (0, 0)
    assert (first.status, second.status) == ("expired", "waiting")


def test_the_export_writes_rfc5545_ics_and_csv(session):
    from bot.cli_schedule import build_csv, build_ics, ics_fold, month_span

    event = venue_event(session, jst(2026, 12, 5, 10))
    event.place.name = "長府公民館; 大ホール, 2階\\北"
    session.flush()
    start, end = month_span("2026-12")
    from models.events import events_between

    events = events_between(session, start, end)
    ics = build_ics(session, events, jst(2026, 11, 25, 9))
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")
    assert "DTSTART:20261205T010000Z" in ics
    unfolded = ics.replace("\r\n ", "")
    assert "長府公民館\\; 大ホール\\, 2階\\\\北" in unfolded
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert len(ics_fold("あ" * 100).split("\r\n")[0].encode()) <= 75
    csv_text = build_csv(session, events)
    assert csv_text.splitlines()[1].startswith(f"{event.id},2026-12-05,10:00,11:30,venue")


def test_the_export_command_writes_both_files(database_url, tmp_path):
    from tests.conftest import build_app

    app = build_app(database_url)
    try:
        result = app.test_cli_runner().invoke(
            args=["schedule", "export", "--month", "2026-12", "--out", str(tmp_path)]
        )
        assert result.exit_code == 0, result.output
        assert (tmp_path / "schedule-2026-12.ics").exists()
        assert (tmp_path / "schedule-2026-12.csv").read_bytes().startswith(b"\xef\xbb\xbf")
        bad = app.test_cli_runner().invoke(args=["schedule", "export", "--month", "2026-13"])
        assert bad.exit_code != 0
    finally:
        app.extensions["event_processor"].shutdown()


