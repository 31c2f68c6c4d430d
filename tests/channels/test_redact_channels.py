"""One redaction module for every channel (issue 20): LINE, SMS, voice speech
results, console replies typed by staff, API text inputs."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import select

import personal_numbers.redact as rules
from models.db import db
from models.inbound import InboundEvent
from models.inquiries import TranscriptLine

WRITTEN = "一二三四・五六七八・九〇一八"  # kanji digits, middle dots: the old rules missed it
SPOKEN = "いちにさんよん ごーろくななはち きゅうぜろいちはち"

CALLERS = [
    "bot.line.events",
    "bot.twilio_sms.routes",
    "bot.twilio_voice.calls",
    "bot.console.applications",
    "bot.console.defects",
    "handlers.staff_console",
    "handlers.defect_ops",
    "handlers.visit_ops",
    "handlers.announce_ops",
    "handlers.city_summary",
]


@pytest.mark.parametrize("module", CALLERS)
def test_every_caller_uses_the_one_module(module):
    assert importlib.import_module(module).redact is rules.redact


def test_line_text_is_redacted_before_it_is_stored():
    from bot.line.events import _minimal_payload

    event = {"type": "message", "message": {"type": "text", "text": f"番号は{WRITTEN}です"}}
    payload = _minimal_payload(event, "U" + "1" * 32)
    assert payload["message"]["text"] == "番号は[MY_NUMBER]です" and payload["redacted"]


def test_sms_body_is_redacted_before_it_is_stored(client):
    from tests.channels.test_twilio_sms import sms

    assert sms(client, "申請書IDは１２３４５６７８９０１２３４５６７８９０１２３です").status_code == 200
    with db.unit_of_work() as s:
        stored = [str(e.payload) for e in s.scalars(select(InboundEvent))]
        lines = [t.text for t in s.scalars(select(TranscriptLine))]
    assert any("[APPLICATION_ID]" in p for p in stored)
    assert not any("１２３４５６７８９０１２３" in (t or "") for t in lines + stored)


def test_voice_speech_with_kana_digits_is_redacted():
    from bot.twilio_voice.calls import clean_speech

    text, found, odd = clean_speech(f"番号は{SPOKEN}です")
    assert (text, found, odd) == ("番号は[MY_NUMBER]です", True, False)


def test_console_reply_typed_by_staff_is_redacted():
    from handlers import staff_console

    assert staff_console.redact(f"確認しました {WRITTEN}").text == "確認しました [MY_NUMBER]"


def test_api_text_input_is_redacted():
    from handlers.defect_ops import clean_text

    assert clean_text(f"本人の番号 {WRITTEN} を確認", "note") == "本人の番号 [MY_NUMBER] を確認"
