"""Retention: exactly what has outlived its period goes, reports do not change.

One world with old and new rows of every kind (``world``), purged as of NOW
(1 June 2027, 03:30 Tokyo). Periods are the defaults in city.yaml: 30 days for
events, outbox and conversations, 90 for calls, bookings and visit requests,
365 for inquiries, transcript, FAQ questions and residents, 400 for
application records and defect cases. Runs on SQLite and PostgreSQL
(TEST_BACKEND).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import defects as dc
from models.applications import ApplicationRecord, create_record
from models.audit import AuditEntry
from models.bookings import ACTIVE, DONE, Booking, new_code
from models.conversations import Conversation
from models.events import DONE as EVENT_DONE
from models.faq_review import FaqReviewItem
from models.inbound import InboundEvent
from models.inquiries import CLOSED, NEW, Inquiry, TranscriptLine
from models.outbox import DEAD, PENDING, SENT, OutboxMessage
from models.phone import PhoneCallback, VoiceCall
from models.residents import Resident, get_or_create_resident
from models.retention import KINDS, purge
from models.sandbox import SandboxLineRequest
from models.visits import DONE as VISIT_DONE
from models.visits import RECEIVED, VisitRequest
from tests.booking_factories import jst, venue_event, visit_event

NOW = jst(2027, 6, 1, 3, 30)
OLD_EVENT = jst(2026, 4, 20, 10)  # 407 days before NOW, in the fiscal year
RECENT_EVENT = jst(2027, 3, 10, 10)  # 83 days before NOW
FUTURE_EVENT = jst(2027, 6, 20, 10)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def session(database_url):
    from models.crypto import Keyring, install_keyring
    from models.db import db
    from tests.conftest import TEST_KEY

    install_keyring(Keyring.from_setting(TEST_KEY))
    db.bind(database_url)
    with db.unit_of_work() as s:
        yield s


@dataclass
class World:
    ids: dict[str, int]

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def _resident(s, name: str, last_seen: datetime) -> Resident:
    r = get_or_create_resident(s, "line", "U" + name.encode().hex().ljust(32, "0")[:32])
    r.display_name, r.phone, r.last_seen_at, r.created_at = (
        name,
        "+819012345678",
        last_seen,
        last_seen,
    )
    s.flush()
    return r


def _booking(s, resident, event, status, phone="+819011112222") -> Booking:
    b = Booking(code=new_code(), resident_id=resident.id, event_id=event.id,
                slot_id=event.slots[0].id, party_size=2, status=status, channel="line",
                phone=phone)  # fmt: skip
    s.add(b)
    s.flush()
    return b


def _case(s, record, *, found: datetime, closed: datetime | None, resident_id=None):
    case = dc.open_case(s, reason="photo", source="city", created_by="test", now=found,
                        record=record, resident_id=resident_id, found_on=found.date(),
                        detail="写真の背景に影があります")  # fmt: skip
    dc.log_contact(s, case, direction="out", channel="staff", outcome="note", now=found,
                   note="本人と電話で話した")  # fmt: skip
    if closed is not None:
        dc.transition(s, case, dc.RESOLVED, now=closed, note="再申請を確認")
    else:
        dc.transition(s, case, dc.CONTACTED, now=found)
    return case


def _record(s, event, name, resident=None):
    return create_record(s, event_id=event.id, name=name, name_kana="シモノセキ", created_by="test",
                         contact_phone="090-1234-5678", application_id="1" * 23,
                         my_number="123456789018",
                         resident_id=resident.id if resident else None)  # fmt: skip


@pytest.fixture
def world(session) -> World:
    s = session
    ids: dict[str, int] = {}
    old_venue = venue_event(s, OLD_EVENT, status=EVENT_DONE)
    recent_venue = venue_event(s, RECENT_EVENT, status=EVENT_DONE)
    future_venue = venue_event(s, FUTURE_EVENT)
    old_visit = visit_event(s, OLD_EVENT + timedelta(days=1), status=EVENT_DONE)

    gone = _resident(s, "gone", ago(700))  # nothing left: deleted
    anon = _resident(s, "anon", ago(400))  # old rows point at them: anonymised
    future = _resident(s, "future", ago(400))  # booked for an event to come: kept
    asking = _resident(s, "asking", ago(400))  # an inquiry still open: kept
    pending_case = _resident(s, "case", ago(400))  # a defect case still open: kept
    recent = _resident(s, "recent", ago(10))
    ids.update(gone=gone.id, anon=anon.id, future=future.id, asking=asking.id,
               pending_case=pending_case.id, recent=recent.id)  # fmt: skip

    # Bookings and visit requests (the plan progress counts them).
    ids["old_booking"] = _booking(s, anon, old_venue, DONE).id
    ids["recent_booking"] = _booking(s, recent, recent_venue, DONE).id
    ids["future_booking"] = _booking(s, future, future_venue, ACTIVE).id
    visit = dict(kind="home", postal_code="7500001", area="honcho", address="南部町1-1",
                 applicants=3, preferred=[], contact_phone="+819033334444", notes="車椅子",
                 channel="line")  # fmt: skip
    old_visit_request = VisitRequest(resident_id=anon.id, status=VISIT_DONE, event_id=old_visit.id,
                                     created_at=ago(420), updated_at=ago(405), **visit)  # fmt: skip
    open_visit_request = VisitRequest(resident_id=recent.id, status=RECEIVED, created_at=ago(500),
                                      updated_at=ago(500), **visit)  # fmt: skip
    s.add_all([old_visit_request, open_visit_request])

    # Inquiries (the complaints report lists them) and the transcript.
    for key, resident, status, opened, closed in (
        ("old_inquiry", anon, CLOSED, ago(500), ago(400)),
        ("recent_inquiry", recent, CLOSED, ago(200), ago(100)),
        ("open_inquiry", asking, NEW, ago(600), None),
    ):
        inquiry = Inquiry(resident_id=resident.id, channel="line", status=status,
                          category="complaint", summary="窓口の対応について", opened_at=opened,
                          first_answer_at=opened + timedelta(hours=1),
                          closed_at=closed)  # fmt: skip
        s.add(inquiry)
        s.flush()
        ids[key] = inquiry.id
    for key, resident, at in (("old_line", recent, ago(400)), ("recent_line", recent, ago(10)),
                              ("asking_line", asking, ago(400))):  # fmt: skip
        line = TranscriptLine(resident_id=resident.id, channel="line", direction="in",
                              text="予約したい", at=at)  # fmt: skip
        s.add(line)
        s.flush()
        ids[key] = line.id

    # Platform traffic.
    for key, status, at in (("old_event", "done", ago(40)), ("old_failed", "failed", ago(40)),
                            ("recent_event", "done", ago(10))):  # fmt: skip
        ev = InboundEvent(channel="line", event_key=key, event_type="message", status=status,
                          payload={"userId": "Uxxx", "text": "こんにちは"}, received_at=at)  # fmt: skip
        s.add(ev)
        s.flush()
        ids[key] = ev.id
    for key, status, at in (("old_sent", SENT, ago(40)), ("old_dead", DEAD, ago(31)),
                            ("old_pending", PENDING, ago(40)), ("recent_sent", SENT, ago(10))):  # fmt: skip
        msg = OutboxMessage(channel="line", kind="push", recipient="Uxxx", payload={"m": 1},
                            status=status, created_at=at, next_attempt_at=at)  # fmt: skip
        s.add(msg)
        s.flush()
        ids[key] = msg.id
    for key, channel, at in (("old_conv", "line", ago(40)), ("recent_conv", "voice", ago(5))):
        conv = Conversation(resident_id=recent.id, channel=channel, data={"name": "下関"},
                            updated_at=at)  # fmt: skip
        s.add(conv)
        s.flush()
        ids[key] = conv.id
    for key, at in (("old_faq", ago(400)), ("recent_faq", ago(10))):
        item = FaqReviewItem(channel="line", question="手数料は?", band="low", created_at=at)
        s.add(item)
        s.flush()
        ids[key] = item.id
    for key, at in (("old_call", ago(100)), ("recent_call", ago(10))):
        call = VoiceCall(call_sid="CA" + key, menu={}, started_at=at, updated_at=at, ended_at=at,
                         status="completed")  # fmt: skip
        s.add(call)
        s.flush()
        ids[key] = call.id
    for key, done in (("old_callback", ago(100)), ("open_callback", None),
                      ("recent_callback", ago(10))):  # fmt: skip
        task = PhoneCallback(resident_id=recent.id, reason="voicemail", phone="+819055556666",
                             recording_sid="RE1", recording_url="https://api.twilio.com/r/RE1",
                             created_at=ago(200), done_at=done)  # fmt: skip
        s.add(task)
        s.flush()
        ids[key] = task.id
    for key, at in (("old_sandbox", ago(8)), ("recent_sandbox", ago(1))):
        req = SandboxLineRequest(at=at, request_id=key, method="POST", path="/v2/bot/message/push",
                                 status=200, to="Uxxx", body="{}")  # fmt: skip
        s.add(req)
        s.flush()
        ids[key] = req.id

    # Application records and defect cases (cutoff: 400 days = 27 April 2026).
    old_record = _record(s, old_venue, "下関 太郎", anon)  # closed case long ago: anonymised
    ids["old_record"] = old_record.id
    ids["old_case"] = _case(s, old_record, found=ago(406), closed=ago(404)).id
    open_record = _record(s, old_venue, "長府 花子", pending_case)  # open case: kept
    ids["open_record"] = open_record.id
    ids["open_case"] = _case(s, open_record, found=ago(406), closed=None).id
    late_record = _record(s, old_venue, "彦島 次郎")  # case closed lately: kept
    ids["late_record"] = late_record.id
    ids["late_case"] = _case(s, late_record, found=ago(300), closed=ago(200)).id
    ids["recent_record"] = _record(s, recent_venue, "豊浦 三郎").id
    ids["loose_case"] = _case(s, None, found=ago(420), closed=ago(410), resident_id=anon.id).id
    s.flush()
    ids["old_visit_request"], ids["open_visit_request"] = (
        old_visit_request.id,
        open_visit_request.id,
    )
    return World(ids)


EXPECTED = {
    "inbound_events": 1, "outbox": 2, "conversations": 1, "inquiries": 1, "transcript": 1,
    "faq_review": 1, "voice_calls": 1, "phone_callbacks": 1, "bookings": 1, "visit_requests": 1,
    "defect_cases": 2, "application_records": 1, "sandbox": 1, "residents": 2,
    # Issue 14's kinds (tests/integration/test_retention_reach.py fills them).
    "renewal_reminders": 0, "notice_preferences": 0, "announcement_recipients": 0,
}  # fmt: skip


def _reports(s) -> dict:
    from models.console_queries import complaints
    from models.plan import progress

    return {
        "plan": progress(s),
        "defects": dc.counts_by_status_and_reason(s),
        "complaints": [
            (
                r.inquiry.id,
                r.inquiry.channel,
                r.inquiry.status,
                r.inquiry.opened_at,
                r.inquiry.first_answer_at,
                r.inquiry.closed_at,
                r.sla.met,
            )
            for r in complaints(s, NOW)
        ],  # fmt: skip
    }


def _ids(s, model) -> set:
    pk = model.__mapper__.primary_key[0]
    return set(s.scalars(select(pk)))


def test_exactly_the_rows_past_their_period_are_purged(session, world):
    s = session
    assert purge(s, NOW) == EXPECTED

    assert _ids(s, InboundEvent) == {world["old_failed"], world["recent_event"]}
    assert _ids(s, OutboxMessage) == {world["old_pending"], world["recent_sent"]}
    assert _ids(s, Conversation) == {world["recent_conv"]}
    assert _ids(s, TranscriptLine) == {world["recent_line"], world["asking_line"]}
    assert _ids(s, FaqReviewItem) == {world["recent_faq"]}
    assert _ids(s, VoiceCall) == {world["recent_call"]}
    assert _ids(s, SandboxLineRequest) == {world["recent_sandbox"]}

    inquiries = {i.id: i for i in s.scalars(select(Inquiry))}
    assert len(inquiries) == 3  # the complaints report keeps every row
    assert inquiries[world["old_inquiry"]].summary is None
    assert inquiries[world["recent_inquiry"]].summary == "窓口の対応について"
    assert inquiries[world["open_inquiry"]].summary == "窓口の対応について"

    callbacks = {c.id: c for c in s.scalars(select(PhoneCallback))}
    old = callbacks[world["old_callback"]]
    assert (old.phone, old.recording_sid, old.recording_url) == (None, None, None)
    assert old.reason == "voicemail" and old.done_at is not None
    assert callbacks[world["open_callback"]].phone == "+819055556666"
    assert callbacks[world["recent_callback"]].recording_url

    bookings = {b.id: b for b in s.scalars(select(Booking))}
    assert bookings[world["old_booking"]].phone is None
    assert bookings[world["old_booking"]].status == DONE
    assert bookings[world["recent_booking"]].phone and bookings[world["future_booking"]].phone


def test_visit_requests_and_records_are_anonymised_with_their_dates_kept(session, world):
    s = session
    old_visit = s.get(VisitRequest, world["old_visit_request"])
    visit_updated = old_visit.updated_at
    record = s.get(ApplicationRecord, world["old_record"])
    record_updated, event_id = record.updated_at, record.event_id
    purge(s, NOW)

    old_visit = s.get(VisitRequest, world["old_visit_request"])
    assert (old_visit.address, old_visit.contact_phone, old_visit.notes, old_visit.postal_code) == (
        "", "", None, "")  # fmt: skip
    assert (old_visit.applicants, old_visit.area, old_visit.status) == (3, "honcho", VISIT_DONE)
    assert old_visit.updated_at == visit_updated
    assert s.get(VisitRequest, world["open_visit_request"]).address == "南部町1-1"

    record = s.get(ApplicationRecord, world["old_record"])
    assert record.name == ""
    assert all(
        getattr(record, f) is None
        for f in ("name_kana", "name_key", "contact_phone", "phone_key", "application_id",
                  "application_key", "my_number", "resident_id")
    )  # fmt: skip
    assert (record.event_id, record.consultations, record.updated_at) == (
        event_id, 1, record_updated)  # fmt: skip
    for kept in ("open_record", "late_record", "recent_record"):
        r = s.get(ApplicationRecord, world[kept])
        assert r.my_number == "123456789018" and r.contact_phone == "+819012345678"

    for gone in ("old_case", "loose_case"):
        case = s.get(dc.DefectCase, world[gone])
        assert (case.detail, case.resident_id) == (None, None)
        assert (case.status, case.reason) == (dc.RESOLVED, "photo")
        assert all(c.note is None for c in case.contacts)
    for kept in ("open_case", "late_case"):
        case = s.get(dc.DefectCase, world[kept])
        assert case.detail == "写真の背景に影があります"
        assert any(c.note == "本人と電話で話した" for c in case.contacts)


def test_idle_residents_go_unless_something_open_needs_them(session, world):
    s = session
    purge(s, NOW)
    assert s.get(Resident, world["gone"]) is None
    anon = s.get(Resident, world["anon"])
    assert anon is not None  # bookings and an inquiry still point at them
    assert (anon.line_user_id, anon.line_key, anon.phone, anon.phone_key, anon.display_name) == (
        None, None, None, None, None)  # fmt: skip
    for kept in ("future", "asking", "pending_case", "recent"):
        r = s.get(Resident, world[kept])
        assert r.line_key and r.display_name == {"pending_case": "case"}.get(kept, kept)


def test_reports_count_the_same_before_and_after(session, world):
    s = session
    before = _reports(s)
    assert before["plan"]["kinds"]["venue"]["applicants_done"] == 4  # two bookings of two
    assert before["plan"]["kinds"]["visit"]["applicants_done"] == 3
    assert before["defects"]["total"] == 4 and len(before["complaints"]) == 3
    purge(s, NOW)
    assert _reports(s) == before


def test_every_run_is_audited_per_kind_with_counts_only(session, world):
    s = session
    summary = purge(s, NOW, actor="clock")
    rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "purge")).all()
    assert {r.target for r in rows} == {f"retention:{k}" for k in KINDS}
    assert len(rows) == len(KINDS) and {r.actor for r in rows} == {"clock"}
    for row in rows:
        assert re.fullmatch(r"\d+ rows; kept \d+ days", row.reason)
        assert row.reason.startswith(f"{summary[row.target.split(':')[1]]} rows")
    # A second run finds nothing more, and says so in the log too.
    assert purge(s, NOW) == {k: 0 for k in KINDS}
    assert s.scalar(select(func.count()).select_from(AuditEntry)) == 2 * len(KINDS)


def _snapshot(s) -> dict:
    from models.base import Base

    out = {}
    for table in Base.metadata.sorted_tables:
        rows = s.execute(select(table)).all()
        out[table.name] = sorted(map(repr, rows))
    return out


def test_a_dry_run_counts_exactly_and_changes_nothing(session, world):
    s = session
    s.flush()
    before = _snapshot(s)
    assert purge(s, NOW, dry_run=True) == EXPECTED
    assert _snapshot(s) == before  # no row changed, no audit row written
    assert purge(s, NOW) == EXPECTED


def test_the_periods_come_from_city_yaml_and_are_checked(tmp_path, monkeypatch):
    from models.city import RETENTION_DEFAULTS, _load, retention_days

    assert retention_days()["applications"] == 400 and set(retention_days()) == set(
        RETENTION_DEFAULTS)  # fmt: skip
    assert {key for _run, key in KINDS.values()} == set(RETENTION_DEFAULTS)
    for bad, message in (("{outbox: 0}", "outbox"), ("{outboxx: 30}", "unknown kinds"),
                         ("{inquiries: '1 year'}", "inquiries")):  # fmt: skip
        path = tmp_path / f"city-{abs(hash(bad))}.yaml"
        path.write_text(f"retention: {bad}\n", encoding="utf-8")
        monkeypatch.setenv("CITY_CONFIG", str(path))
        with pytest.raises(ValueError, match=message):
            retention_days()
    _load.cache_clear()


def test_a_shorter_period_purges_more(session, world):
    from models.city import retention_days

    policy = {**retention_days(), "applications": 30}
    summary = purge(session, NOW, policy)
    # The late case closed 200 days ago: its record goes now; the open case still holds.
    assert summary["application_records"] == 3 and summary["defect_cases"] == 3
    assert session.get(ApplicationRecord, world["open_record"]).my_number == "123456789018"


def test_batches_of_one_purge_the_same(session, world, monkeypatch):
    import models.retention

    monkeypatch.setattr(models.retention, "BATCH", 1)
    assert purge(session, NOW) == EXPECTED
    assert purge(session, NOW) == {k: 0 for k in KINDS}


def test_the_clock_purges_daily_at_0330_tokyo_time():
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.clock import configure

    jobs = {j.id: j for j in configure(BackgroundScheduler(timezone="Asia/Tokyo"), None).get_jobs()}
    assert str(jobs["purge_personal_data"].trigger) == "cron[hour='3', minute='30']"
    assert jobs["purge_personal_data"].max_instances == 1


def test_the_job_and_the_cli_run_the_purge_in_the_app(database_url):
    from scheduler.retention_jobs import purge_personal_data
    from tests.conftest import build_app

    app = build_app(database_url)
    try:
        assert purge_personal_data(app) == {k: 0 for k in KINDS}
        runner = app.test_cli_runner()
        dry = runner.invoke(args=["data", "purge", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert re.search(r"^residents\s+0$", dry.output, re.M)
        assert "0 rows would be deleted or anonymised (dry run)" in dry.output
        real = runner.invoke(args=["data", "purge"])
        assert real.exit_code == 0 and "0 rows deleted or anonymised" in real.output
        from models.db import db

        with db.reader() as s:
            actors = s.scalars(select(AuditEntry.actor).where(AuditEntry.action == "purge")).all()
        assert sorted(set(actors)) == ["cli", "clock"] and len(actors) == 2 * len(KINDS)
    finally:
        app.extensions["event_processor"].shutdown()


def test_found_on_dates_are_kept_for_the_defect_counts(session, world):
    purge(session, NOW)
    case = session.get(dc.DefectCase, world["old_case"])
    assert case.found_on == ago(406).date() and isinstance(case.found_on, date)
