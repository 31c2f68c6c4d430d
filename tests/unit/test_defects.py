"""Defect cases: records, transitions, the outreach cadence with a frozen clock, counts,
and the resident's own report driven through the conversation core."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from handlers import defects as outreach
from models import defects as dc
from models.applications import RecordError, create_record, find_by_application_id, masked
from models.inquiries import Inquiry
from models.outbox import OutboxMessage
from models.phone import PhoneCallback
from models.residents import get_or_create_resident
from scheduler.defect_jobs import follow_up
from tests.booking_factories import jst, venue_event
from tests.unit.booking_driver import booking_session, send, templates, values  # noqa: F401

APP_ID = "12345678901234567890123"
MY_NUMBER = "123456789018"  # valid check digit
LINE_USER = "U" + "d" * 32
# Tue 1 Dec 2026 10:00 in Tokyo; cadence [0, 2, 5], unreachable after 7 business days.
DAY0 = jst(2026, 12, 1, 10)


def _record(session, *, resident_id=None, phone=None, name_kana="シモノセキ ハナコ", event=None):
    event = event or venue_event(session, jst(2026, 11, 21, 10))
    return create_record(
        session, event_id=event.id, name="下関 花子", name_kana=name_kana, contact_phone=phone,
        application_id=APP_ID, my_number=MY_NUMBER, created_by="test", resident_id=resident_id,
    )  # fmt: skip


def _case(session, record, now=DAY0, reason="photo"):
    return dc.open_case(session, reason=reason, source=dc.JLIS, created_by="test", now=now,
                        record=record)  # fmt: skip


# -- records -------------------------------------------------------------------------------


def test_application_id_and_my_number_are_shown_masked_only(session):
    record = _record(session)
    assert record.masked_application_id() == "****-****-0123"
    assert record.masked_my_number() == "****-****-9018"
    assert masked(None) is None


def test_a_record_is_found_by_its_application_id_through_the_keyed_hash(session):
    record = _record(session)
    assert find_by_application_id(session, "1234 5678 9012 3456 7890 123").id == record.id
    assert find_by_application_id(session, "1234") is None


@pytest.mark.parametrize(
    "field,value,code",
    [("application_id", "1234", "bad_application_id"), ("my_number", "123456789012",
     "bad_my_number"), ("name_kana", "下関", "not_katakana"), ("contact_phone", "12", "bad_phone")],
)  # fmt: skip
def test_a_malformed_personal_field_is_refused_with_its_rule(session, field, value, code):
    event = venue_event(session)
    with pytest.raises(RecordError) as err:
        create_record(session, event_id=event.id, name="x", created_by="t", **{field: value})
    assert err.value.code == code and err.value.field == field


# -- transitions ---------------------------------------------------------------------------


def test_the_lifecycle_runs_new_contacted_answered_fix_booked_resolved(session):
    case = _case(session, _record(session))
    for status in (dc.CONTACTED, dc.ANSWERED, dc.FIX_BOOKED, dc.RESOLVED):
        dc.transition(session, case, status, now=DAY0)
    assert case.status == dc.RESOLVED and case.closed_at == DAY0
    assert [c.outcome for c in case.contacts] == ["status"] * 4


def test_an_illegal_transition_names_what_is_allowed(session):
    case = _case(session, _record(session))
    dc.transition(session, case, dc.RESOLVED, now=DAY0)
    with pytest.raises(dc.IllegalTransition, match="cannot go from 'resolved' to 'contacted'"):
        dc.transition(session, case, dc.CONTACTED, now=DAY0)


def test_a_late_answer_reopens_an_unreachable_case(session):
    case = _case(session, _record(session))
    dc.transition(session, case, dc.UNREACHABLE, now=DAY0)
    dc.transition(session, case, dc.ANSWERED, now=DAY0)
    assert case.status == dc.ANSWERED


def test_reasons_and_cadence_come_from_city_yaml():
    assert dc.reason_codes() == ("photo", "entry", "signature", "identity", "other")
    assert dc.reason_label("signature") == "署名なし"
    assert dc.cadence() == [0, 2, 5] and dc.give_up_after() == 7


# -- cadence -------------------------------------------------------------------------------


def test_a_line_applicant_is_contacted_on_day_0_2_and_5_then_escalated(session):
    resident = get_or_create_resident(session, "line", LINE_USER)
    resident.line_reachable = True
    case = _case(session, _record(session, resident_id=resident.id))
    assert follow_up(session, DAY0).contacted == 1
    assert case.status == dc.CONTACTED
    assert follow_up(session, jst(2026, 12, 2, 16)).contacted == 0  # day 1: nothing due
    assert follow_up(session, jst(2026, 12, 3, 9)).contacted == 1  # +2 business days
    assert follow_up(session, jst(2026, 12, 8, 9)).contacted == 1  # +5 (weekend skipped)
    assert follow_up(session, jst(2026, 12, 9, 9)).unreachable == 0
    assert follow_up(session, jst(2026, 12, 10, 9)).unreachable == 1  # +7: give up
    assert case.status == dc.UNREACHABLE and case.attempts == 3
    inquiry = session.get(Inquiry, case.inquiry_id)
    assert inquiry.category == "defect" and "3回" in inquiry.summary
    outbox = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.source for m in outbox] == ["defect"] * 3
    notices = [m.payload["replies"][0] for m in outbox]
    assert [n["context"]["reminder"] for n in notices] == [False, True, True]
    assert {"menu:venue", "menu:visit"} <= {c["value"] for c in notices[0]["choices"]}


def test_nobody_is_contacted_at_night_or_at_the_weekend(session):
    resident = get_or_create_resident(session, "line", LINE_USER)
    resident.line_reachable = True
    _case(session, _record(session, resident_id=resident.id), now=jst(2026, 12, 4, 20))
    assert follow_up(session, jst(2026, 12, 4, 20)).contacted == 0  # Friday evening
    assert follow_up(session, jst(2026, 12, 5, 10)).contacted == 0  # Saturday
    assert follow_up(session, jst(2026, 12, 7, 9)).contacted == 1  # Monday morning


def test_an_applicant_without_line_gets_an_sms_and_without_phone_a_callback(session):
    by_sms = _case(session, _record(session, phone="090-1111-2222"))
    nobody_resident = get_or_create_resident(session, "line", LINE_USER)  # blocked us
    no_route = _case(session, _record(session, resident_id=nobody_resident.id))
    follow_up(session, DAY0)
    assert by_sms.contacts[0].channel == "sms" and by_sms.contacts[0].outcome == "queued"
    assert no_route.contacts[0].outcome == "callback_created"
    [task] = session.scalars(select(PhoneCallback)).all()
    assert task.reason == "defect" and task.resident_id == nobody_resident.id
    follow_up(session, jst(2026, 12, 3, 9))
    assert no_route.contacts[-1].outcome == "callback_pending"  # one task, not two


def test_an_answered_case_is_no_longer_chased(session):
    resident = get_or_create_resident(session, "line", LINE_USER)
    resident.line_reachable = True
    case = _case(session, _record(session, resident_id=resident.id))
    follow_up(session, DAY0)
    dc.transition(session, case, dc.ANSWERED, now=DAY0)
    assert follow_up(session, jst(2026, 12, 10, 9)).contacted == 0
    assert case.status == dc.ANSWERED and case.attempts == 1


def test_a_booking_after_the_notice_marks_the_fix_booked(session):
    from models.bookings import book

    resident = get_or_create_resident(session, "line", LINE_USER)
    resident.line_reachable = True
    case = _case(session, _record(session, resident_id=resident.id))
    follow_up(session, DAY0)
    fix = venue_event(session, jst(2026, 12, 12, 10))
    result = book(session, resident_id=resident.id, slot_id=fix.slots[0].id, party_size=1,
                  channel="line")  # fmt: skip
    result.booking.created_at = jst(2026, 12, 1, 15)
    assert follow_up(session, jst(2026, 12, 2, 10)).fix_booked == 1
    assert case.status == dc.FIX_BOOKED


# -- counts --------------------------------------------------------------------------------


def test_counts_are_given_by_status_by_reason_and_by_both(session):
    record = _record(session)
    _case(session, record, reason="photo")
    _case(session, record, reason="photo")
    done = _case(session, record, reason="signature")
    dc.transition(session, done, dc.RESOLVED, now=DAY0)
    counts = dc.counts_by_status_and_reason(session)
    assert counts["total"] == 3
    assert counts["by_status"]["new"] == 2 and counts["by_status"]["resolved"] == 1
    assert counts["by_reason"] == {"photo": 2, "entry": 0, "signature": 1, "identity": 0,
                                   "other": 0}  # fmt: skip
    assert counts["by_status_and_reason"]["resolved"]["signature"] == 1
    assert dc.counts_by_status_and_reason(session, since=date(2026, 12, 2))["total"] == 0


# -- the resident's own report -------------------------------------------------------------


def _say(session, text, at=DAY0, user=LINE_USER):
    return send(session, kind="text", text=text, at=at, user=user)


def _choose(session, value, at=DAY0, user=LINE_USER):
    return send(session, value=value, at=at, user=user)


def test_a_linked_resident_saying_they_got_a_notice_is_matched_to_their_open_case(session):
    resident = get_or_create_resident(session, "line", LINE_USER)
    case = _case(session, _record(session, resident_id=resident.id))
    replies = _say(session, "不備の通知が来たんですが")
    assert templates(replies) == ["defect/ask"]
    replies = _choose(session, "defect:reason:signature")
    assert templates(replies) == ["defect/matched"]
    assert case.status == dc.ANSWERED
    assert "menu:venue" in values(replies) and "menu:visit" in values(replies)
    assert session.scalars(select(dc.DefectCase)).all() == [case]


def test_a_resident_is_matched_by_name_in_kana_and_the_event_where_they_applied(session):
    event = venue_event(session, jst(2026, 11, 21, 10))
    record = _record(session, event=event)
    case = _case(session, record)
    _choose(session, "menu:defect")
    _choose(session, "defect:reason:photo")
    replies = _say(session, "しものせき はなこ")
    assert f"defect:event:{event.id}" in values(replies)
    replies = _choose(session, f"defect:event:{event.id}")
    assert templates(replies) == ["defect/matched"]
    assert case.status == dc.ANSWERED and record.resident_id is not None


def test_an_unmatched_report_opens_a_case_and_an_inquiry_for_staff(session):
    _say(session, "申請書に不備があると手紙が来た")
    _say(session, "写真がぼやけていると書いてあります")
    replies = _choose(session, "defect:name:skip")
    assert templates(replies) == ["defect/opened"]
    [case] = session.scalars(select(dc.DefectCase)).all()
    assert case.record_id is None and case.reason == "photo" and case.source == "resident"
    assert case.status == dc.ANSWERED and "ぼやけて" in case.detail
    inquiry = session.get(Inquiry, case.inquiry_id)
    assert inquiry.category == "defect"


def test_the_ack_button_of_someone_else_is_refused(session):
    other = get_or_create_resident(session, "line", "U" + "e" * 32)
    case = _case(session, _record(session, resident_id=other.id))
    replies = _choose(session, f"defect:seen:{case.id}")
    assert templates(replies) == ["menu/stale_choice"] and case.status == dc.NEW


def test_outreach_never_decides_line_for_a_resident_who_blocked_us(session):
    resident = get_or_create_resident(session, "line", LINE_USER)
    resident.line_reachable = False
    case = _case(session, _record(session, resident_id=resident.id, phone="09033334444"))
    route = outreach.choose_route(session, case)
    assert route.channel == "sms" and route.phone == "+819033334444"
    assert route.resident_id != resident.id


def test_found_on_defaults_to_the_day_the_case_was_opened(session):
    case = _case(session, _record(session), now=datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    assert case.found_on == date(2026, 12, 2)  # 01:00 next day in Tokyo
