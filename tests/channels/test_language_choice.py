"""Choosing a language on LINE (issue 17): the profile proposes, the resident decides."""

from __future__ import annotations

import re

import pytest

from bot.sandbox.line_api import PROFILE_LANGUAGES
from models.db import db
from models.residents import Resident as ResidentRow
from tests.line_helpers import Resident, quick_values, texts

KANA = re.compile(r"[\u3040-\u30ff]")


def _language_of(user_id: str) -> str | None:
    from models.residents import find_resident

    with db.reader() as s:
        row: ResidentRow | None = find_resident(s, "line", user_id)
        return row.language if row else None


@pytest.mark.parametrize(("tag", "locale"), [("en", "en"), ("ko-KR", "ko"), ("zh-Hant", "zh_Hans"),
                                             ("vi", "vi")])  # fmt: skip
def test_a_new_friend_is_offered_their_line_apps_language_and_nothing_changes_until_they_tap(
    live, new_user_id, tag, locale
):
    PROFILE_LANGUAGES[new_user_id] = tag
    resident = Resident(live, new_user_id)
    messages = resident.send("follow")
    assert quick_values(messages) == [f"lang:{locale}", "lang:ja"]
    assert _language_of(new_user_id) is None
    answer = resident.choose(f"lang:{locale}")
    assert _language_of(new_user_id) == locale
    assert "menu:venue" in quick_values(answer)


def test_a_japanese_profile_gets_no_offer(live, new_user_id):
    PROFILE_LANGUAGES[new_user_id] = "ja"
    messages = Resident(live, new_user_id).send("follow")
    assert "lang:ja" not in quick_values(messages)
    assert "menu:venue" in quick_values(messages)


def test_the_menu_lists_every_language_by_its_own_name_and_words_switch_any_time(live, new_user_id):
    resident = Resident(live, new_user_id)
    menu = resident.say("メニュー")
    assert "menu:language" in quick_values(menu)
    listed = resident.choose("menu:language")
    assert quick_values(listed) == ["lang:ja", "lang:ja_easy", "lang:en", "lang:ko",
                                    "lang:zh_Hans", "lang:vi"]  # fmt: skip
    labels = [i["action"]["label"] for i in listed[-1]["quickReply"]["items"]]
    assert labels == ["日本語", "やさしい にほんご", "English", "한국어", "中文", "Tiếng Việt"]
    vietnamese = resident.say("tieng viet")
    assert _language_of(new_user_id) == "vi"
    assert not KANA.search(texts(vietnamese))
    back = resident.say("日本語")
    assert _language_of(new_user_id) == "ja"
    assert "日本語でご案内します" in texts(back)


def test_a_switch_in_the_middle_of_a_booking_asks_the_same_question_again_in_the_new_language(
    live, new_user_id
):
    resident = Resident(live, new_user_id)
    asked = resident.choose("menu:venue")
    before = quick_values(asked)
    again = resident.say("Tiếng Việt")
    assert quick_values(again) == before  # the same step, its choices unchanged
    assert not KANA.search(texts(again))
