"""Hostile but signed Twilio requests: always a 200 with TwiML, never a 500.

Cases the fault run found: Unicode digits such as '²' in ``step``,
``RecordingDuration`` and ``CallDuration`` (``isdigit()`` is true, ``int()``
fails), NUL bytes in ``MessageSid`` (PostgreSQL refuses them). Run on
PostgreSQL as well (``TEST_BACKEND=postgres``), where NUL used to fail.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

import bot.twilio_voice.routes as voice_routes
import models.phone  # noqa: F401 - registers the phone tables
from models.db import db
from models.inbound import InboundEvent
from models.phone import PhoneCallback, VoiceCall
from tests.twilio_helpers import Caller, post
from tests.twiml_check import check_twiml

OUT_OF_HOURS = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
UNICODE_DIGITS = ["²", "١٢", "①", "1²", "99999999999999999999999"]


@pytest.fixture
def app(database_url):
    from tests.conftest import build_app

    return build_app(database_url)


@pytest.fixture
def client(app, monkeypatch):
    monkeypatch.setattr(voice_routes, "now", lambda: OUT_OF_HOURS)
    return app.test_client()


def _count(model) -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model))


def _sms(client, **params):
    base = {"MessageSid": "SM" + uuid.uuid4().hex, "From": "+819012345678",
            "To": "+81500000000", "Body": "メニュー"}  # fmt: skip
    resp = post(client, "/twilio/sms", {**base, **params})
    assert resp.status_code == 200, resp.data
    check_twiml(resp.data)
    return resp


@pytest.mark.parametrize(
    "sid", ["SM\x00" + "0" * 31, "SM" + "0" * 31 + "\x00", "\x00", "SM1", "SM" + "²" * 32]
)
def test_an_sms_with_a_malformed_message_sid_is_acknowledged_and_not_recorded(client, sid):
    _sms(client, MessageSid=sid)
    assert _count(InboundEvent) == 0


def test_an_sms_sender_with_a_trailing_newline_is_not_a_phone_number(client):
    _sms(client, From="+819012345678\n")
    assert _count(InboundEvent) == 0


def test_nul_in_an_sms_body_is_dropped_and_the_sms_answered(client):
    _sms(client, Body="メ\x00ニュー")
    with db.unit_of_work() as s:
        assert s.scalars(select(InboundEvent.status)).one() == "done"


@pytest.mark.parametrize("step", UNICODE_DIGITS)
def test_unicode_digits_in_our_step_are_not_a_step(client, step):
    caller = Caller(client)
    caller.call()
    said = caller._post(f"/twilio/voice/gather?step={quote(step)}", {"Digits": "1"})
    assert said


@pytest.mark.parametrize("digits", ["²", "1\x00"])
def test_unicode_or_nul_keypad_digits_are_odd_input(client, digits):
    caller = Caller(client)
    caller.call()
    assert caller.press(digits)


@pytest.mark.parametrize("duration", UNICODE_DIGITS + ["-1", "1.5", "\x00"])
def test_odd_recording_and_call_durations_are_unknown_durations(client, duration):
    caller = Caller(client)
    caller.call()
    caller.press("0")  # out of hours: voicemail
    rec = {"RecordingSid": "RE" + "1" * 32, "RecordingDuration": duration,
           "RecordingUrl": "https://api.twilio.com/x\x00y"}  # fmt: skip
    caller.follow("Record", rec)
    status = {**caller.base(), **rec, "RecordingStatus": "completed"}
    assert post(client, "/twilio/voice/recording", status).status_code == 200
    ended = {**caller.base(), "CallStatus": "completed", "CallDuration": duration}
    assert post(client, "/twilio/voice/status", ended).status_code == 200
    with db.unit_of_work() as s:
        task = s.scalars(select(PhoneCallback)).one()
        assert task.recording_seconds is None and task.recording_url is None
        assert s.scalars(select(VoiceCall)).one().duration_s is None


@pytest.mark.parametrize("call_sid", ["CA\x00" + "0" * 31, "CA" + "²" * 32, "x" * 5000])
def test_a_recording_callback_with_a_malformed_call_sid_is_acknowledged(client, call_sid):
    params = {"CallSid": call_sid, "RecordingStatus": "completed",
              "RecordingSid": "RE" + "1" * 32, "RecordingDuration": "3"}  # fmt: skip
    assert post(client, "/twilio/voice/recording", params).status_code == 200
    for path in ("/twilio/voice", "/twilio/voice/status", "/twilio/voice/recorded"):
        assert post(client, path, params).status_code == 200
