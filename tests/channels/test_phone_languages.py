"""The phone line in English, and Korean / Chinese / Vietnamese callers (issue 17)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import bot.twilio_voice.routes as voice_routes
import models.phone  # noqa: F401 - registers the phone tables
import models.sandbox_twilio  # noqa: F401
from models.db import db
from models.outbox import OutboxMessage
from models.residents import find_resident
from tests.twilio_helpers import Caller

IN_HOURS = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 10:00 JST
KANA = re.compile(r"[\u3040-\u30ff]")


@pytest.fixture
def client(database_url, monkeypatch):
    from tests.conftest import build_app

    monkeypatch.setattr(voice_routes, "now", lambda: IN_HOURS)
    return build_app(database_url).test_client()


def _says(caller: Caller, language: str) -> str:
    return "\n".join("".join(s.itertext()) for s in caller.root.iter("Say")
                     if s.get("language") == language)  # fmt: skip


def _language(phone: str) -> str | None:
    with db.reader() as s:
        found = find_resident(s, "phone", phone)
        return found.language if found else None


def test_the_greeting_offers_english_on_7_in_english_and_the_others_on_8(client):
    caller = Caller(client, "+819011110001")
    caller.call()
    assert "For English, press 7." in _says(caller, "en-US")
    assert "8" in _says(caller, "ko-KR") and "8" in _says(caller, "cmn-CN")
    assert "8" in _says(caller, "vi-VN")
    assert "7番" not in _says(caller, "ja-JP")  # not read out as a Japanese menu item


def test_an_english_caller_gets_the_menu_in_english_and_keeps_it_on_the_next_call(client):
    caller = Caller(client, "+819011110002")
    caller.call()
    caller.press("7")
    english = _says(caller, "en-US")
    assert "press 1" in english.lower()
    assert not _says(caller, "ja-JP").strip() or "日本語" in _says(caller, "ja-JP")
    assert caller.root.find("Gather").get("language") == "en-US"
    assert _language("+819011110002") == "en"
    again = Caller(client, "+819011110002")
    again.call()
    assert "press 1" in _says(again, "en-US").lower()
    assert "日本語" in _says(again, "ja-JP")  # and 7 goes back to Japanese


def test_key_8_plays_korean_chinese_and_vietnamese_and_sends_the_line_link_by_sms(client):
    caller = Caller(client, "+819011110003")
    caller.call()
    caller.press("8")
    assert "LINE" in _says(caller, "ko-KR") and "LINE" in _says(caller, "cmn-CN")
    assert "LINE" in _says(caller, "vi-VN")
    caller.press("3")  # Tiếng Việt
    assert "SMS" in _says(caller, "vi-VN")
    assert _language("+819011110003") == "vi"
    with db.reader() as s:
        sent = [m.payload for m in s.scalars(
            select(OutboxMessage).where(OutboxMessage.source == "line_link"))]  # fmt: skip
    assert len(sent) == 1
    replies = sent[0]["replies"]
    assert replies[0]["template"] == "sms/line_link" and replies[0]["locale"] == "vi"


def test_nine_repeats_more_slowly_in_either_language(client):
    caller = Caller(client, "+819011110004")
    caller.call()
    first = caller.root.find("Gather/Say")
    assert first.find("prosody") is None or first.find("prosody").get("rate") != "75%"
    caller.press("9")
    again = caller.root.find("Gather/Say")
    assert again.find("prosody").get("rate") == "75%"
    assert "ゆっくり" in "".join(caller.root.itertext())
