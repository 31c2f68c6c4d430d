"""The phone line: signed Twilio webhooks in, checked TwiML out.

Every answer goes through tests/twiml_check.py (root <Response>, known verbs
and attributes, ja-JP on every <Say> and <Gather>).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

import bot.twilio_voice.routes as voice_routes
import models.phone  # noqa: F401 - registers the phone tables
import models.sandbox_twilio  # noqa: F401
from bot.twilio_voice.keypad import picker_params
from models.city import city
from models.db import db
from models.inbound import InboundEvent
from models.inquiries import Inquiry, TranscriptLine
from models.phone import PhoneCallback, VoiceCall
from tests.twilio_helpers import Caller, post, signature
from tests.twiml_check import check_twiml, gather, spoken

# Tue 1 Dec 2026 in Tokyo: 10:00 is in business hours, 20:00 is not.
IN_HOURS = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
OUT_OF_HOURS = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
MY_NUMBER = "123456789018"  # valid check digit


@pytest.fixture
def app(database_url):
    from tests.conftest import build_app

    return build_app(database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def clock(monkeypatch):
    def set_now(when: datetime) -> None:
        monkeypatch.setattr(voice_routes, "now", lambda: when)

    set_now(IN_HOURS)
    return set_now


@pytest.fixture
def staff_numbers(monkeypatch):
    monkeypatch.setitem(city()["contacts"], "staff_dial_numbers", ["+81832000001"])


def _count(model) -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model))


# -- signatures ----------------------------------------------------------------------------


def test_forged_signature_is_refused_with_403(client):
    caller = Caller(client)
    params = {**caller.base(), "CallStatus": "ringing"}
    for path in ("/twilio/voice", "/twilio/voice/gather?step=1", "/twilio/voice/status"):
        forged = signature("http://127.0.0.1:9" + path, params, token="not-our-token")
        assert post(client, path, params, sign=forged).status_code == 403
    assert post(client, "/twilio/voice", params, sign=None).status_code == 403
    assert _count(InboundEvent) == 0


def test_signature_is_checked_against_the_public_url_not_the_local_one(client):
    params = {**Caller(client).base(), "CallStatus": "ringing"}
    local = signature("http://localhost/twilio/voice", params)
    assert post(client, "/twilio/voice", params, sign=local).status_code == 403
    assert post(client, "/twilio/voice", params).status_code == 200  # signed for PUBLIC_BASE_URL


def test_a_changed_parameter_breaks_the_signature(client):
    params = {**Caller(client).base(), "CallStatus": "ringing"}
    sig = signature("http://127.0.0.1:9/twilio/voice", params)
    assert (
        post(client, "/twilio/voice", {**params, "From": "+819099999999"}, sign=sig).status_code
        == 403
    )


# -- the menu ------------------------------------------------------------------------------


def test_a_call_is_greeted_in_japanese_with_a_numbered_keypad_menu(client, clock):
    caller = Caller(client)
    said = caller.call()
    assert "お電話ありがとうございます" in said
    assert "1番、会場で申請" in said and "4番、申請書の不備" in said
    assert "9" in said and "0を押してください" in said
    g = gather(caller.root)
    assert g.get("input") == "dtmf" and g.get("numDigits") == "1"
    assert g.get("action") == "/twilio/voice/gather?step=1"
    say = caller.root.find("Gather/Say")
    assert say.get("voice") == "Polly.Mizuki"
    assert say.find("prosody").get("rate") == "90%"


def test_the_caller_is_recognised_by_the_number_stored_encrypted(client, clock):
    Caller(client, "+819011112222").call()
    Caller(client, "+819011112222").call()
    from models.residents import Resident

    with db.unit_of_work() as s:
        residents = s.scalars(select(Resident)).all()
        assert len(residents) == 1 and residents[0].phone == "+819011112222"
        raw = s.execute(text("SELECT phone FROM residents")).scalar()
        assert "9011112222" not in raw


def test_nine_repeats_star_goes_back_zero_asks_for_a_person(client, clock):
    caller = Caller(client)
    caller.call()
    first = caller.press("2")
    assert "地区" in first
    assert caller.press("9") == first  # the same question again
    assert "ご用件をお選びください" in caller.press("*")  # back out of the flow's first step
    caller.press("0")
    assert caller.root.find("Dial") is not None or caller.root.find("Record") is not None


def test_a_long_list_is_read_in_pages_and_eight_turns_the_page(client, clock):
    caller = Caller(client)
    caller.call()
    page1 = caller.press("2")
    assert "1番、本庁" in page1 and "8を押して" in page1
    page2 = caller.press("8")
    assert "1番、" in page2 and "本庁" not in page2
    caller.press("1")  # the first area of page two
    with db.unit_of_work() as s:
        call = s.scalars(select(VoiceCall)).one()
        assert call.menu["pages"][0][0][2] in ("cb:same", "cb:other")


@pytest.mark.parametrize(
    "params",
    [
        {"Digits": "#*#"},
        {"Digits": "12345678901234567890123456789012345678901234567890"},
        {"Digits": "abc"},
        {"SpeechResult": "あ" * 10_000},
    ],
    ids=["hash-star-hash", "too-many-digits", "letters", "10k-speech"],
)
def test_odd_input_gets_a_spoken_apology_and_the_menu_again(client, clock, params):
    caller = Caller(client)
    caller.call()
    said = caller._post(caller.action, params)
    assert "申し訳ありません" in said and "1番、会場で申請" in said
    assert gather(caller.root) is not None


def test_a_call_without_from_is_answered_with_an_apology_and_the_menu(client, clock):
    caller = Caller(client, phone=None)
    said = caller.call()
    assert "申し訳ありません" in said and "1番、会場で申請" in said


def test_a_withheld_number_is_served_without_an_apology(client, clock):
    said = Caller(client, phone="anonymous").call()
    assert "申し訳ありません" not in said and "1番、会場で申請" in said


def test_a_request_without_call_sid_is_never_a_500(client):
    params = {"From": "+819012345678"}
    resp = post(client, "/twilio/voice", params)
    assert resp.status_code == 200
    assert "申し訳ありません" in spoken(check_twiml(resp.data))
    resp = post(client, "/twilio/voice/gather", {"Digits": "1"})
    assert resp.status_code == 200


def test_gather_without_our_step_is_answered_from_the_call_state(client, clock):
    caller = Caller(client)
    caller.call()
    resp = post(client, "/twilio/voice/gather", {**caller.base(), "Digits": "1"})
    assert resp.status_code == 200
    check_twiml(resp.data)


def test_a_failing_step_apologises_with_the_menu_and_keeps_the_event_failed(
    client, clock, monkeypatch
):
    import bot.twilio_voice.calls as calls

    caller = Caller(client)
    caller.call()

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(calls, "dispatch", broken)
    said = caller.press("1")
    assert "申し訳ありません" in said and "1番、会場で申請" in said
    with db.unit_of_work() as s:
        statuses = sorted(s.scalars(select(InboundEvent.status)).all())
    assert statuses == ["done", "failed"]


# -- idempotency ---------------------------------------------------------------------------


def test_a_twilio_retry_of_the_same_gather_gets_the_same_twiml_and_is_processed_once(client, clock):
    caller = Caller(client)
    caller.call()
    caller.press("2")
    first = caller.retry_last()
    second = caller.retry_last()
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    check_twiml(first.data)
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 2  # start + one gather
        assert s.scalars(select(VoiceCall.seq)).one() == 2
        lines = s.scalars(select(TranscriptLine).where(TranscriptLine.direction == "in")).all()
        # Keys are choices: one line, the menu item's words (issue 19), processed once.
        assert [line.template for line in lines] == ["transcript/tap"]


# -- speech --------------------------------------------------------------------------------


def test_speech_is_redacted_before_it_is_stored(client, clock):
    caller = Caller(client)
    caller.call()
    caller.press("4")  # defect notice: free speech
    caller.say(f"番号は{MY_NUMBER}です、写真が不鮮明でした")
    with db.unit_of_work() as s:
        texts = [line.text for line in s.scalars(select(TranscriptLine)).all()]
        payloads = [e.payload for e in s.scalars(select(InboundEvent)).all()]
        summary = s.scalars(select(Inquiry.summary)).one()
    assert all(MY_NUMBER not in (t or "") for t in texts)
    assert all(MY_NUMBER not in str(p) for p in payloads)
    assert MY_NUMBER not in summary and "不鮮明" in summary


def test_a_spoken_choice_label_picks_that_choice(client, clock):
    caller = Caller(client)
    caller.call()
    caller.press("2")
    said = caller.say("長府です")
    assert "折り返しのお電話は" in said


def test_questions_accept_speech_and_read_an_answer_or_offer_a_person(client, clock):
    caller = Caller(client)
    caller.call()
    said = caller.press("3")
    assert gather(caller.root).get("input") == "dtmf speech"
    assert gather(caller.root).get("language") == "ja-JP"
    assert "お話しください" in said
    answer = caller.say("マイナンバーカードの申請に必要なものは何ですか")
    assert answer  # an answer, suggestions or "a person" — always spoken Japanese


# -- menu 2 and 4: tasks for staff ---------------------------------------------------------


def test_a_visit_request_by_phone_becomes_a_callback_request_for_staff(client, clock):
    caller = Caller(client, "+819033334444")
    caller.call()
    caller.press("2")
    said = caller.press("3")  # 長府
    assert "0、9、0、3、3、3、3、4、4、4、4" in said
    caller.press("2")  # another number
    said = caller.press("0832311111")
    assert "0、8、3、2、3、1、1、1、1、1" in said
    said = caller.press("1")
    assert "訪問のご相談を受け付けました" in said
    with db.unit_of_work() as s:
        inquiry = s.scalars(select(Inquiry)).one()
        task = s.scalars(select(PhoneCallback)).one()
        assert inquiry.category == "booking" and "長府" in inquiry.summary
        assert task.reason == "visit_request" and task.phone == "0832311111"
        assert task.inquiry_id == inquiry.id


def test_a_defect_notice_opens_a_defect_case_with_a_callback(client, clock):
    caller = Caller(client, "+819055556666")
    caller.call()
    caller.press("4")
    said = caller.press("1")  # go on without speaking
    assert "不備のお知らせについて、受け付けました" in said
    with db.unit_of_work() as s:
        inquiry = s.scalars(select(Inquiry)).one()
        task = s.scalars(select(PhoneCallback)).one()
        assert inquiry.category == "defect"
        assert task.reason == "defect" and task.phone == "+819055556666"


# -- a person: Dial in business hours, voicemail otherwise ---------------------------------


def test_in_business_hours_a_person_is_dialled_with_a_timeout(client, clock, staff_numbers):
    caller = Caller(client)
    caller.call()
    caller.press("0")
    dial = caller.root.find("Dial")
    assert dial is not None and caller.root.find("Record") is None
    assert dial.get("timeout") == "20" and dial.get("action").startswith("/twilio/voice/dial")
    assert [n.text for n in dial.findall("Number")] == ["+81832000001"]


def test_an_unanswered_transfer_falls_back_to_voicemail(client, clock, staff_numbers):
    caller = Caller(client)
    caller.call()
    caller.press("0")
    said = caller.follow("Dial", {"DialCallStatus": "no-answer"})
    assert "電話に出られません" in said and "録音されます" in said
    assert caller.root.find("Record") is not None
    assert _count(PhoneCallback) == 1


def test_an_answered_transfer_just_ends(client, clock, staff_numbers):
    caller = Caller(client)
    caller.call()
    caller.press("0")
    caller.follow("Dial", {"DialCallStatus": "completed"})
    assert caller.root.find("Hangup") is not None
    assert _count(PhoneCallback) == 0


def test_in_hours_without_staff_numbers_goes_to_voicemail(client, clock):
    caller = Caller(client)
    caller.call()
    caller.press("0")
    assert caller.root.find("Dial") is None and caller.root.find("Record") is not None


def test_out_of_hours_voicemail_is_announced_and_becomes_an_inquiry_with_a_callback(
    client, clock, staff_numbers
):
    clock(OUT_OF_HOURS)
    caller = Caller(client, "+819077778888")
    caller.call()
    said = caller.press("0")
    record = caller.root.find("Record")
    assert caller.root.find("Dial") is None and record is not None
    assert "受付時間外" in said and "録音されます" in said
    assert record.get("playBeep") == "true" and record.get("transcribe") == "false"
    assert int(record.get("maxLength")) <= 300
    rec = {
        "RecordingSid": "RE" + "1" * 32,
        "RecordingDuration": "14",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
    }
    said = caller.follow("Record", rec)
    assert "メッセージをお預かりしました" in said and "12月2日" in said
    assert caller.root.find("Hangup") is not None
    status = {**caller.base(), **rec, "RecordingStatus": "completed"}
    assert post(client, "/twilio/voice/recording", status).status_code == 200
    with db.unit_of_work() as s:
        inquiry = s.scalars(select(Inquiry)).one()
        task = s.scalars(select(PhoneCallback)).one()
        raw = s.execute(text("SELECT recording_url FROM phone_callbacks")).scalar()
        assert task.reason == "voicemail" and task.inquiry_id == inquiry.id
        assert task.phone == "+819077778888" and task.recording_seconds == 14
        assert task.recording_sid == "RE" + "1" * 32
    assert "api.twilio.com" not in raw  # stored encrypted


def test_a_resident_waiting_for_staff_who_calls_again_gets_the_menu_and_0_for_a_person(
    client, clock
):
    """Issue 19: no longer straight to voicemail — the menu, with 0 for the waiting inquiry."""
    caller = Caller(client)
    caller.call()
    caller.press("0")
    again = Caller(client)
    said = again.call()
    assert "前回のお問い合わせ、といあわせ ばんごう、ぜろ、ぜろ、ぜろ、いち、について、担当者が確認しています。" in said
    assert "その件で担当者とお話しになる場合は、0を押してください。" in said
    assert again.root.find("Gather") is not None and again.root.find("Record") is None
    assert "会場で申請" in said  # the phone menu is there
    person = again.press("0")
    assert "受付番号は、といあわせ ばんごう、ぜろ、ぜろ、ぜろ、いち、です。担当者におつなぎします。" in person
    assert again.root.find("Gather") is None  # a person (or their voicemail), not the bot
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Inquiry)) == 1  # the same inquiry


# -- end of call ---------------------------------------------------------------------------


def test_the_status_callback_ends_the_call_once_and_forgets_the_menu(client, clock):
    caller = Caller(client)
    caller.call()
    caller.press("2")
    params = {**caller.base(), "CallStatus": "completed", "CallDuration": "42"}
    assert post(client, "/twilio/voice/status", params).status_code == 200
    assert post(client, "/twilio/voice/status", params).status_code == 200
    with db.unit_of_work() as s:
        call = s.scalars(select(VoiceCall)).one()
        from models.conversations import Conversation

        conv = s.scalars(select(Conversation)).one()
        assert call.status == "completed" and call.duration_s == 42 and call.menu == {}
        assert conv.flow is None


def test_three_silent_answers_in_a_row_end_the_call_politely(client, clock):
    caller = Caller(client)
    caller.call()
    assert "確認できませんでした" in caller.silence()
    caller.silence()
    said = caller.silence()
    assert "お電話ありがとうございました" in said and caller.root.find("Hangup") is not None


# -- date pickers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "digits", "expected"),
    [
        ("date", "1205", {"date": "2026-12-05"}),
        ("date", "0305", {"date": "2027-03-05"}),  # March is past in December: next year
        ("date", "20270110", {"date": "2027-01-10"}),
        ("datetime", "12051030", {"datetime": "2026-12-05T10:30"}),
        ("time", "0930", {"time": "09:30"}),
        ("date", "1332", None),
        ("time", "2561", None),
    ],
)
def test_keyed_digits_become_the_params_a_date_picker_would_send(kind, digits, expected):
    from datetime import date

    assert picker_params(kind, digits, date(2026, 12, 1)) == expected


# -- a whole venue booking by phone --------------------------------------------------------


def test_a_caller_books_a_venue_place_by_keypad(client, clock):
    from models.bookings import Booking
    from tests import booking_factories as f

    with db.unit_of_work() as s:
        f.venue_event(s)
        s.commit()
    caller = Caller(client, "+819012340000")
    caller.call()
    said = caller.press("1")  # venue booking: the address first
    assert "住所がある方" in said and "1番、下関市の外" in said
    assert gather(caller.root).get("finishOnKey") == "#"  # a postal code may be keyed
    assert "ご用件" in caller.press("4")  # 4 = 長府; then why they come (issue 14)
    assert "12月5日" in caller.press("1")  # 1 = a first application: events read by date
    caller.press("1")  # the event
    caller.press("1")  # the first slot
    assert "何人" in spoken(caller.root)
    caller.press("2")  # party of two
    assert gather(caller.root).get("finishOnKey") == "#"  # a number may be keyed
    assert "この内容で予約しますか" in caller.press("0832311111")
    said = caller.press("1")
    assert "予約ができました" in said
    with db.unit_of_work() as s:
        booking = s.scalars(select(Booking)).one()
        assert booking.party_size == 2 and booking.channel == "voice"


def test_saying_a_menu_number_picks_that_item(client, clock):
    caller = Caller(client)
    caller.call()
    caller.press("3")  # questions accept speech, and the one choice is "menu"
    assert "ご用件をお選びください" in caller.say("いちばん")


# -- venue eligibility by phone: an address in the city only ------------------------------


def _venue_caller(client):
    from tests import booking_factories as f

    with db.unit_of_work() as s:
        f.venue_event(s)
        s.commit()
    caller = Caller(client, "+819012340001")
    caller.call()
    caller.press("1")
    return caller


def test_a_caller_keys_a_postal_code_in_the_city_and_hears_the_events(client, clock):
    caller = _venue_caller(client)
    assert "ご用件" in caller.press("7520927")
    assert "12月5日" in caller.press("1")


def test_a_caller_names_their_area_and_hears_the_events(client, clock):
    caller = _venue_caller(client)
    assert "ご用件" in caller.say("長府です")
    assert "12月5日" in caller.press("1")


def test_a_caller_outside_the_city_is_refused_with_the_citys_number_and_the_menu(client, clock):
    from models.bookings import Booking

    caller = _venue_caller(client)
    said = caller.press("1")  # 1 = 下関市の外
    assert "申し訳ありません" in said and city().contacts.city_section in said
    assert "12月5日" not in said
    assert "1番、会場で申請" in said  # back at the main menu
    with db.unit_of_work() as s:
        assert s.scalars(select(Booking)).all() == []


def test_a_caller_keying_a_postal_code_outside_the_city_is_refused_and_asked_again(client, clock):
    caller = _venue_caller(client)
    said = caller.press("8020001")
    assert "北九州市" in said and "申し訳ありません" in said and "12月5日" not in said
    assert "お住まいの地区" in said  # asked again: a mistyped code can be corrected
    assert "ご用件" in caller.press("7520927")
    assert "12月5日" in caller.press("1")
