"""The inbox: answering escalated residents, handing back, masking and audited reveals."""

from __future__ import annotations

from datetime import UTC, datetime

from models.audit import AuditEntry
from models.console_queries import SLA_BUSINESS_HOURS, sla_of
from models.db import db
from models.inquiries import Inquiry, TranscriptLine
from models.outbox import OutboxMessage
from models.residents import Resident
from models.sandbox_twilio import twilio_requests_since  # registers the SMS stand-in's table
from tests.console_helpers import escalate, login, make_staff, post
from tests.line_helpers import Resident as LineResident
from tests.line_helpers import texts


def _inquiry(inquiry_id: int) -> Inquiry:
    with db.reader() as s:
        inquiry = s.get(Inquiry, inquiry_id)
        s.expunge(inquiry)
        return inquiry


def test_escalated_line_inquiry_appears_in_the_inbox(live, client, new_user_id):
    inquiry_id = escalate(LineResident(live, new_user_id))
    make_staff("w1", "worker")
    login(client, "w1")
    page = client.get("/console/inbox").get_data(as_text=True)
    assert f"問-{inquiry_id:04d}" in page
    assert "新規" in page and "未割り当て" in page and "残り" in page or "期限超過" in page


def test_staff_reply_reaches_the_resident_on_line(live, client, new_user_id):
    resident = LineResident(live, new_user_id)
    inquiry_id = escalate(resident)
    resident.new_messages()
    staff_id = make_staff("w1", "worker")
    login(client, "w1")
    resp = post(
        client,
        f"/console/inquiries/{inquiry_id}/reply",
        {"text": "明日の会場は10時からです。", "via": "line"},
    )
    assert resp.status_code == 302
    got = texts(resident.new_messages())
    assert "担当者より" in got and "明日の会場は10時からです。" in got
    inquiry = _inquiry(inquiry_id)
    assert inquiry.status == "answered" and inquiry.first_answer_at is not None
    assert inquiry.assignee_id == staff_id
    with db.reader() as s:
        msg = s.query(OutboxMessage).filter_by(source="staff_reply").one()
        assert msg.status == "sent"
        line = s.query(TranscriptLine).filter_by(template="staff/reply").one()
        assert line.direction == "out" and line.text == "明日の会場は10時からです。"


def test_a_my_number_in_a_staff_reply_is_redacted(live, client, new_user_id):
    resident = LineResident(live, new_user_id)
    inquiry_id = escalate(resident)
    resident.new_messages()
    make_staff("w1", "worker")
    login(client, "w1")
    post(
        client,
        f"/console/inquiries/{inquiry_id}/reply",
        {"text": "番号 1234 5678 9018 を確認しました", "via": "line"},
    )
    got = texts(resident.new_messages())
    assert "9018" not in got and "[MY_NUMBER]" in got


def test_empty_reply_is_refused_next_to_the_field(live, client, new_user_id):
    inquiry_id = escalate(LineResident(live, new_user_id))
    make_staff("w1", "worker")
    login(client, "w1")
    resp = post(client, f"/console/inquiries/{inquiry_id}/reply", {"text": "  ", "via": "line"})
    assert resp.status_code == 422
    assert 'id="text-error"' in resp.get_data(as_text=True)


def test_phone_call_back_is_logged_without_sending_anything(live, client, new_user_id):
    resident = LineResident(live, new_user_id)
    inquiry_id = escalate(resident)
    resident.new_messages()
    make_staff("w1", "worker")
    login(client, "w1")
    post(
        client,
        f"/console/inquiries/{inquiry_id}/reply",
        {"text": "電話で日程を案内した", "via": "phone"},
    )
    assert resident.new_messages() == []
    assert _inquiry(inquiry_id).status == "answered"
    with db.reader() as s:
        assert s.query(TranscriptLine).filter_by(template="staff/phone_call").count() == 1


def test_hand_back_lets_the_bot_answer_again(live, client, new_user_id):
    resident = LineResident(live, new_user_id)
    inquiry_id = escalate(resident)
    resident.new_messages()
    assert resident.say("まだですか") == []  # a person has taken over: free text is theirs
    make_staff("w1", "worker")
    login(client, "w1")
    post(client, f"/console/inquiries/{inquiry_id}/hand-back")
    assert "自動でご案内します" in texts(resident.new_messages())
    with db.reader() as s:
        assert s.query(Resident).one().handoff_inquiry_id is None
    assert resident.say("メニュー") != []  # the bot answers again


def test_close_finishes_the_inquiry(live, client, new_user_id):
    inquiry_id = escalate(LineResident(live, new_user_id))
    make_staff("w1", "worker")
    login(client, "w1")
    post(client, f"/console/inquiries/{inquiry_id}/hand-back", {"close": "1"})
    inquiry = _inquiry(inquiry_id)
    assert inquiry.status == "closed" and inquiry.closed_at is not None
    assert f"問-{inquiry_id:04d}" not in client.get("/console/inbox").get_data(as_text=True)


def test_assign_and_categorise(live, client, new_user_id):
    inquiry_id = escalate(LineResident(live, new_user_id))
    staff_id = make_staff("w1", "worker")
    login(client, "w1")
    post(client, f"/console/inquiries/{inquiry_id}/assign", {"staff_id": "me"})
    post(client, f"/console/inquiries/{inquiry_id}/category", {"category": "complaint"})
    inquiry = _inquiry(inquiry_id)
    assert inquiry.assignee_id == staff_id and inquiry.status == "in_progress"
    assert inquiry.category == "complaint"
    assert 'class="badge bad">苦情' in client.get("/console/inbox").get_data(as_text=True)
    assert (
        post(
            client, f"/console/inquiries/{inquiry_id}/category", {"category": "nonsense"}
        ).status_code
        == 400
    )


def test_personal_data_is_masked_and_opening_a_transcript_is_logged(live, client, new_user_id):
    inquiry_id = escalate(LineResident(live, new_user_id))
    with db.unit_of_work() as s:
        resident = s.query(Resident).one()
        resident.display_name, resident.phone = "下関太郎", "+819012345678"
        s.commit()
    make_staff("w1", "worker")
    login(client, "w1")
    page = client.get(f"/console/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "下関太郎" not in page and "下•••" in page
    assert "+819012345678" not in page and "78" in page
    assert "表示する理由" not in page  # workers cannot reveal
    with db.reader() as s:
        entry = s.query(AuditEntry).filter_by(action="view").one()
        assert entry.actor == "staff:w1" and entry.target == f"inquiry:{inquiry_id}"


def test_reveal_needs_a_reason_and_writes_who_what_when_why(live, client, new_user_id):
    inquiry_id = escalate(LineResident(live, new_user_id))
    with db.unit_of_work() as s:
        s.query(Resident).one().phone = "+819012345678"
        s.commit()
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    page = f"/console/inquiries/{inquiry_id}"
    assert post(client, f"{page}/reveal", {"reason": ""}, page=page).status_code == 422
    resp = post(client, f"{page}/reveal", {"reason": "折り返し電話のため"}, page=page)
    assert resp.status_code == 200 and "+819012345678" in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    with db.reader() as s:
        entry = s.query(AuditEntry).filter_by(action="reveal").one()
        assert (entry.actor, entry.reason) == ("staff:sm", "折り返し電話のため")
        assert entry.target.startswith("resident:") and entry.at is not None
    assert "+819012345678" not in client.get(page).get_data(as_text=True)  # shown once


def test_worker_cannot_reveal(live, client, new_user_id):
    inquiry_id = escalate(LineResident(live, new_user_id))
    make_staff("w1", "worker")
    login(client, "w1")
    page = f"/console/inquiries/{inquiry_id}"
    assert post(client, f"{page}/reveal", {"reason": "見たい"}, page=page).status_code == 403
    with db.reader() as s:
        assert s.query(AuditEntry).filter_by(action="reveal").count() == 0


def test_poll_reports_new_escalations_without_personal_data(live, client, new_user_id):
    make_staff("w1", "worker")
    login(client, "w1")
    before = client.get("/console/inbox/poll").get_json()
    inquiry_id = escalate(LineResident(live, new_user_id))
    after = client.get("/console/inbox/poll").get_json()
    assert before["inquiry"] < after["inquiry"] == inquiry_id
    assert set(after) == {"inquiry", "callback", "new"}


def test_canned_replies_are_offered_from_templates(live, client, new_user_id):
    inquiry_id = escalate(LineResident(live, new_user_id))
    make_staff("w1", "worker")
    login(client, "w1")
    page = client.get(f"/console/inquiries/{inquiry_id}").get_data(as_text=True)
    assert '<label for="canned">定型文</label>' in page
    assert "受付時間のご案内" in page and "確認中のお知らせ" in page


def test_sla_counts_business_hours_only():
    # Opened Friday 16:00 JST; answered Monday 10:00 JST: 1 h + 1 h = 2 business hours.
    opened = datetime(2026, 5, 15, 7, 0, tzinfo=UTC)
    inquiry = Inquiry(opened_at=opened, first_answer_at=datetime(2026, 5, 18, 1, 0, tzinfo=UTC))
    sla = sla_of(inquiry, datetime(2026, 5, 20, tzinfo=UTC))
    assert sla.used_seconds == 2 * 3600 and sla.met
    # Monday 17:00 JST: Friday 1 h + Monday 8 h = 9 business hours used.
    late = sla_of(Inquiry(opened_at=opened), datetime(2026, 5, 18, 8, 0, tzinfo=UTC))
    assert late.overdue and late.remaining_seconds == (SLA_BUSINESS_HOURS - 9) * 3600


def test_voicemail_callback_shows_on_its_inquiry_and_can_be_done(live, client):
    from models.phone import PhoneCallback, request_callback

    with db.unit_of_work() as s:
        resident = Resident(phone="+818312345678")
        s.add(resident)
        s.flush()
        inquiry = Inquiry(resident_id=resident.id, channel="voice", category="question")
        s.add(inquiry)
        s.flush()
        request_callback(s, resident_id=resident.id, reason="voicemail", phone="0831234567",
                         inquiry_id=inquiry.id, call_sid="CA1")  # fmt: skip
        s.commit()
        inquiry_id = inquiry.id
    make_staff("w1", "worker")
    login(client, "w1")
    inbox = client.get("/console/inbox").get_data(as_text=True)
    assert "留守番電話" in inbox and "電話" in inbox
    page = client.get(f"/console/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "0831234567" not in page and "••••••67" in page
    post(
        client,
        f"/console/inquiries/{inquiry_id}/reply",
        {"text": "折り返して日程を案内した", "via": "phone"},
    )
    with db.reader() as s:
        assert s.query(PhoneCallback).one().done_at is not None


def test_reply_to_a_caller_without_line_goes_by_sms(live, client):
    with db.unit_of_work() as s:
        resident = Resident(phone="+819055556666")
        s.add(resident)
        s.flush()
        inquiry = Inquiry(resident_id=resident.id, channel="voice", category="question")
        s.add(inquiry)
        s.commit()
        inquiry_id = inquiry.id
    make_staff("w1", "worker")
    login(client, "w1")
    post(
        client,
        f"/console/inquiries/{inquiry_id}/reply",
        {"text": "申請書は会場でお渡しします。", "via": "line"},
    )
    with db.reader() as s:
        sent = [r.as_dict() for r in twilio_requests_since(s, 0, to="+819055556666")]
    assert len(sent) == 1 and "申請書は会場でお渡しします。" in sent[0]["params"]["Body"]
