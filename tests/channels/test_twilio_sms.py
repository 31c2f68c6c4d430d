"""SMS: inbound through the core as a text channel, outbound through the outbox
and the twilio SDK, against the Twilio stand-in over real HTTP."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

import models.phone  # noqa: F401 - registers the phone tables
import models.sandbox_twilio  # noqa: F401
from bot.twilio_sms.client import SmsClient, api_base
from bot.twilio_sms.render import MAX_CHARS, to_sms
from handlers.contract import Choice, Reply
from handlers.notify import notify
from models.base import utcnow
from models.db import db
from models.inbound import InboundEvent
from models.outbox import DEAD, PENDING, SENT, OutboxMessage
from models.residents import get_or_create_resident
from models.sandbox_twilio import SandboxTwilioRequest, set_twilio_fault
from tests.twilio_helpers import post, signature

PHONE = "+819012345678"


def sms(client, body: str, sid: str | None = None, sender: str = PHONE):
    params = {
        "MessageSid": sid or "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+81500000000",
        "Body": body,
        "NumMedia": "0",
    }
    return post(client, "/twilio/sms", params)


def texts_to(phone: str = PHONE) -> list[str]:
    with db.unit_of_work() as s:
        rows = s.scalars(select(SandboxTwilioRequest).order_by(SandboxTwilioRequest.id)).all()
        return [
            r.as_dict()["params"].get("Body") for r in rows if r.to == phone and r.status == 201
        ]


@pytest.fixture
def client(live):
    return live.app.test_client()


def test_forged_sms_signature_is_refused_with_403(client):
    params = {"MessageSid": "SM1", "From": PHONE, "Body": "メニュー"}
    forged = signature(client.application.config["PUBLIC_BASE_URL"] + "/twilio/sms", params, "x")
    assert post(client, "/twilio/sms", params, sign=forged).status_code == 403
    assert post(client, "/twilio/sms", params, sign=None).status_code == 403


def test_an_sms_is_answered_by_the_core_with_numbered_choices(client):
    resp = sms(client, "メニュー")
    assert resp.status_code == 200 and resp.data.startswith(b"<?xml")
    [answer] = texts_to()
    assert "1 会場で申請" in answer and "番号を返信してください" in answer


def test_a_number_answers_the_menu_last_texted(client):
    sms(client, "メニュー")
    sms(client, "4")  # 不備 (defect notice)
    assert "不備のお知らせ" in texts_to()[-1]


def test_the_same_message_sid_is_answered_once(client):
    sid = "SM" + uuid.uuid4().hex
    sms(client, "メニュー", sid=sid)
    sms(client, "メニュー", sid=sid)
    assert len(texts_to()) == 1
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 1


def test_stop_opts_out_and_start_opts_back_in(client, live):
    sms(client, "STOP")
    assert "停止しました" in texts_to()[-1]
    with db.unit_of_work() as s:
        resident = get_or_create_resident(s, "phone", PHONE)
        msg = notify(s, resident.id, [Reply("menu/main")], source="reminder")
        s.commit()
        msg_id = msg.id
    live.app.extensions["delivery"].deliver([msg_id])
    with db.unit_of_work() as s:
        row = s.get(OutboxMessage, msg_id)
        assert row.status == DEAD and "opted out" in row.last_error
    sms(client, "START")
    assert "再開しました" in texts_to()[-1]
    sms(client, "HELP")
    assert "STOP" in texts_to()[-1]


def test_a_notice_for_a_resident_without_line_goes_out_as_sms(live):
    with db.unit_of_work() as s:
        resident = get_or_create_resident(s, "phone", "+819011110000")
        reply = Reply("menu/main", choices=[Choice("はい", "yes"), Choice("いいえ", "no")])
        msg_id = notify(s, resident.id, [reply], source="booking_confirmation").id
        s.commit()
    assert live.app.extensions["delivery"].deliver([msg_id]) == 1
    [text] = texts_to("+819011110000")
    assert "1 はい" in text and "2 いいえ" in text and len(text) <= MAX_CHARS


def test_an_sms_outage_delays_the_message_and_the_retry_delivers_it(live):
    with db.unit_of_work() as s:
        set_twilio_fault(s, 1, 500)
        resident = get_or_create_resident(s, "phone", "+819022220000")
        msg_id = notify(s, resident.id, [Reply("menu/main")], source="reminder").id
        s.commit()
    delivery = live.app.extensions["delivery"]
    assert delivery.deliver([msg_id]) == 0
    with db.unit_of_work() as s:
        row = s.get(OutboxMessage, msg_id)
        assert row.status == PENDING and row.last_error.startswith("http 500")
    assert delivery.deliver(now=utcnow() + timedelta(minutes=1)) == 1
    with db.unit_of_work() as s:
        assert s.get(OutboxMessage, msg_id).status == SENT
    assert len(texts_to("+819022220000")) == 1


def test_the_sdk_talks_to_the_stand_in_through_its_base_url(live):
    cfg = live.app.config
    assert api_base(cfg) == live.base_url + "/sandbox/twilio-api"
    client = SmsClient(cfg).client()
    msg = client.messages.create(to="+819033330000", from_=cfg["TWILIO_FROM_NUMBER"], body="テスト")
    assert msg.sid.startswith("SM") and msg.status == "queued"
    with pytest.raises(TwilioRestException) as bad:
        client.messages.create(to="090-1234", from_=cfg["TWILIO_FROM_NUMBER"], body="x")
    assert bad.value.status == 400 and bad.value.code == 21211
    with pytest.raises(TwilioRestException) as long_body:
        client.messages.create(
            to="+819033330000", from_=cfg["TWILIO_FROM_NUMBER"], body="あ" * 1601
        )
    assert long_body.value.code == 21617


def test_the_stand_in_refuses_a_wrong_auth_token(live):
    cfg = live.app.config
    client = Client(cfg["TWILIO_ACCOUNT_SID"], "wrong-token")
    client.api.base_url = api_base(cfg)
    with pytest.raises(TwilioRestException) as exc:
        client.messages.create(to="+819033330000", from_=cfg["TWILIO_FROM_NUMBER"], body="x")
    assert exc.value.status == 401 and exc.value.code == 20003


def test_a_refused_sms_is_not_retried(live):
    with db.unit_of_work() as s:
        from models.outbox import enqueue

        msg_id = enqueue(s, channel="sms", kind="sms", recipient="+8190", payload={"body": "x"}).id
        s.commit()
    live.app.extensions["delivery"].deliver([msg_id])
    with db.unit_of_work() as s:
        assert s.get(OutboxMessage, msg_id).status == DEAD


def test_long_texts_are_cut_to_ten_segments_with_a_pointer_to_the_phone():
    text, _pad = to_sms([Reply("menu/greeting")] * 5)
    assert len(text) <= MAX_CHARS and "お電話ください" in text


def test_japanese_stop_keyword_opts_out_too(client):
    sms(client, "停止")
    assert "停止しました" in texts_to()[-1]


def test_a_booking_confirmation_for_a_caller_is_texted_to_their_phone(live):
    from handlers.contract import Inbound
    from handlers.phone import confirm_by_sms
    from handlers.turn import Turn
    from models.conversations import load_conversation

    now = utcnow()
    with db.unit_of_work() as s:
        resident = get_or_create_resident(s, "phone", "+819044440000")
        conversation, _ = load_conversation(s, resident.id, "voice", now)
        turn = Turn(s, Inbound("voice", "+819044440000", "call_start"), resident, conversation, now)
        assert confirm_by_sms(turn, Reply("sms/help"))
        line_turn = Turn(s, Inbound("line", "U1", "follow"), resident, conversation, now)
        assert not confirm_by_sms(line_turn, Reply("sms/help"))
        s.commit()
    live.app.extensions["delivery"].deliver()
    assert "STOP" in texts_to("+819044440000")[0]
