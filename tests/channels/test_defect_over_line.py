"""Defect follow-up through the real channels: signed LINE webhooks, the LINE and
Twilio stand-ins, and signed Twilio voice requests.

After every test here, every request the stand-ins recorded and every outbox
payload is scanned for application ids and My Numbers (tests/defect_helpers.py):
none may ever leave us.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

import models.sandbox_twilio  # noqa: F401 - registers the stand-in table
from handlers.redact import redact
from models import defects as dc
from models.db import db
from models.inquiries import Inquiry, open_inquiries
from models.phone import PhoneCallback
from models.residents import find_resident
from models.sandbox_twilio import SandboxTwilioRequest
from scheduler.defect_jobs import follow_up
from tests.booking_factories import jst
from tests.defect_helpers import APP_ID, MY_NUMBER, add_record, leaks, outbound_count
from tests.line_helpers import Resident, quick_values, texts
from tests.twilio_helpers import Caller

DAY0 = jst(2026, 12, 1, 10)  # Tuesday, business hours
PLUS2, PLUS5, PLUS7 = jst(2026, 12, 3, 9), jst(2026, 12, 8, 9), jst(2026, 12, 10, 9)
PHONE = "+819077778888"


@pytest.fixture(autouse=True)
def nothing_leaks(live):
    yield
    assert leaks() == []


def test_the_scanner_itself_finds_an_application_id_or_my_number_in_any_outbound(live):
    from handlers.notify import notify
    from models.outbox import OutboxMessage
    from models.residents import get_or_create_resident

    with db.unit_of_work() as s:
        rid = get_or_create_resident(s, "phone", PHONE).id
        planted = notify(s, rid, [dc_reply(APP_ID)], source="test").id
        s.commit()
    assert outbound_count() == 1 and len(leaks()) >= 1
    with db.unit_of_work() as s:
        row = s.get(OutboxMessage, planted)
        row.payload = {"replies": [dc_reply(MY_NUMBER.replace("1", "１", 1)).to_dict()]}
        s.commit()
    assert leaks()  # full-width digits are caught too
    with db.unit_of_work() as s:
        s.delete(s.get(OutboxMessage, planted))
        s.commit()


def dc_reply(number: str):
    from handlers.contract import Reply

    return Reply("defect/report_note", {"reason_label": "その他", "detail": number})


def _line_resident(live, user_id: str) -> tuple[Resident, int]:
    person = Resident(live, user_id)
    person.send("follow")
    with db.unit_of_work() as s:
        return person, find_resident(s, "line", user_id).id


def _open_case(**record_fields) -> int:
    with db.unit_of_work() as s:
        record = add_record(s, **record_fields)
        case = dc.open_case(s, reason="photo", source=dc.JLIS, created_by="test", now=DAY0,
                            record=record)  # fmt: skip
        s.commit()
        return case.id


def _run_cadence(live, when) -> None:
    with db.unit_of_work() as s:
        follow_up(s, when)
        s.commit()
    live.app.extensions["delivery"].deliver()


def _case(case_id: int) -> dc.DefectCase:
    with db.unit_of_work() as s:
        case = s.get(dc.DefectCase, case_id)
        s.expunge(case)
        return case


def _texts_to(phone: str) -> list[str]:
    with db.reader() as s:
        rows = s.scalars(select(SandboxTwilioRequest).order_by(SandboxTwilioRequest.id)).all()
        return [r.as_dict()["params"].get("Body") for r in rows if r.to == phone]


# -- outreach --------------------------------------------------------------------------


def test_the_whole_lifecycle_notice_on_line_read_fix_booked_resolved(live, new_user_id):
    person, resident_id = _line_resident(live, new_user_id)
    case_id = _open_case(resident_id=resident_id)
    _run_cadence(live, DAY0)
    notice = person.new_messages()
    assert "不備があると連絡がありました" in texts(notice) and "写真不備" in texts(notice)
    assert "11月21日" in texts(notice) and "長府公民館" in texts(notice)
    assert {"menu:venue", "menu:visit", f"defect:seen:{case_id}"} <= set(quick_values(notice))
    assert _case(case_id).status == dc.CONTACTED

    thanks = person.choose(f"defect:seen:{case_id}")
    assert "ご確認ありがとうございます" in texts(thanks)
    assert _case(case_id).status == dc.ANSWERED

    with db.unit_of_work() as s:  # the resident books a fix through the venue flow
        from models.bookings import book
        from tests.booking_factories import venue_event

        fix = venue_event(s, jst(2026, 12, 12, 10))
        booked = book(s, resident_id=resident_id, slot_id=fix.slots[0].id, party_size=1,
                      channel="line").booking  # fmt: skip
        booked.created_at = jst(2026, 12, 1, 11)
        s.commit()
    _run_cadence(live, jst(2026, 12, 2, 10))
    assert _case(case_id).status == dc.FIX_BOOKED
    with db.unit_of_work() as s:
        dc.transition(s, s.get(dc.DefectCase, case_id), dc.RESOLVED, now=jst(2026, 12, 12, 12))
        s.commit()
    case = _case(case_id)
    assert case.status == dc.RESOLVED and case.attempts == 1


def test_after_an_unfollow_the_next_attempt_goes_by_sms(live, new_user_id):
    person, resident_id = _line_resident(live, new_user_id)
    case_id = _open_case(resident_id=resident_id, contact_phone="090-7777-8888")
    _run_cadence(live, DAY0)
    assert "不備" in texts(person.new_messages())
    person.send("unfollow")  # blocks the account mid-case
    _run_cadence(live, PLUS2)
    assert person.new_messages() == []
    [sms] = _texts_to(PHONE)
    assert "【再度のご連絡】" in sms and "写真不備" in sms and "1 会場で直す" in sms
    with db.unit_of_work() as s:
        channels = [c.channel for c in s.get(dc.DefectCase, case_id).contacts if c.attempt_no]
    assert channels == ["line", "sms"]


def test_after_an_unfollow_without_a_phone_staff_get_a_callback_task(live, new_user_id):
    person, resident_id = _line_resident(live, new_user_id)
    case_id = _open_case(resident_id=resident_id)
    _run_cadence(live, DAY0)
    person.send("unfollow")
    _run_cadence(live, PLUS2)
    with db.unit_of_work() as s:
        [task] = s.scalars(select(PhoneCallback)).all()
        last = s.get(dc.DefectCase, case_id).contacts[-1]
        assert task.reason == "defect" and task.resident_id == resident_id
        assert last.channel == "callback" and last.callback_id == task.id


def test_an_applicant_who_never_answers_is_escalated_to_the_inbox(live, new_user_id):
    person, resident_id = _line_resident(live, new_user_id)
    case_id = _open_case(resident_id=resident_id)
    for when in (DAY0, PLUS2, PLUS5, PLUS7):
        _run_cadence(live, when)
    assert len([m for m in person.new_messages() if "不備" in m.get("text", "")]) == 3
    case = _case(case_id)
    assert case.status == dc.UNREACHABLE and case.next_contact_at is None
    with db.unit_of_work() as s:
        [inquiry] = open_inquiries(s)
        assert inquiry.id == case.inquiry_id and inquiry.category == "defect"
        assert "3回連絡しましたが" in inquiry.summary


# -- the resident's own report --------------------------------------------------------------


def test_a_resident_who_says_they_got_a_notice_is_matched_by_name_and_event(live, new_user_id):
    case_id = _open_case()
    with db.unit_of_work() as s:
        event_id = s.get(dc.DefectCase, case_id).record.event_id
    person = Resident(live, new_user_id)
    person.send("follow")
    asked = person.say("不備の通知が来ました")
    assert "どんな不備" in texts(asked) and "defect:reason:photo" in quick_values(asked)
    assert "名前" in texts(person.choose("defect:reason:photo"))
    asked = person.say("しものせき はなこ")
    assert f"defect:event:{event_id}" in quick_values(asked)
    assert "11/21" in str(asked)
    matched = person.choose(f"defect:event:{event_id}")
    assert "記録が見つかりました" in texts(matched) and "顔写真" in texts(matched)
    assert _case(case_id).status == dc.ANSWERED


def test_a_resident_who_sends_their_my_number_is_warned_and_it_is_never_stored(live, new_user_id):
    person = Resident(live, new_user_id)
    person.send("follow")
    person.say("不備の通知が来た")
    warned = person.say(f"署名がないと書かれていました。番号は{MY_NUMBER}です")
    assert "番号は消して受け付けました" in texts(warned)
    person.choose("defect:name:skip")
    with db.unit_of_work() as s:
        [case] = s.scalars(select(dc.DefectCase)).all()
        assert case.reason == "signature" and MY_NUMBER not in (case.detail or "")
        assert "[MY_NUMBER]" in case.detail
        inquiry = s.get(Inquiry, case.inquiry_id)
        assert MY_NUMBER not in inquiry.summary


def test_a_caller_whose_number_is_on_the_record_is_matched_on_the_phone(live):
    case_id = _open_case(contact_phone="090-7777-8888")
    caller = Caller(live.app.test_client(), PHONE)
    caller.call()
    asked = caller.press("4")
    assert "不備" in asked and "1番" in asked
    said = caller.press("3")  # 署名なし
    assert "記録が見つかりました" in said and not redact(said).found
    case = _case(case_id)
    assert case.status == dc.ANSWERED and case.resident_id is not None


def test_an_unknown_caller_gets_a_callback_task_for_an_unmatched_case(live):
    caller = Caller(live.app.test_client(), "+819012340000")
    caller.call()
    caller.press("4")
    said = caller.say("写真がだめだと言われました")
    assert "不備のお知らせについて、受け付けました" in said and not redact(said).found
    with db.unit_of_work() as s:
        [case] = s.scalars(select(dc.DefectCase)).all()
        [task] = s.scalars(select(PhoneCallback)).all()
        assert case.record_id is None and case.reason == "photo"
        assert task.reason == "defect" and task.inquiry_id == case.inquiry_id
