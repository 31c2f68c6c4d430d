"""FAQ across languages (issue 17): English by the engine, Korean / Chinese /
Vietnamese by keywords, each answered in the question's language."""

from __future__ import annotations

import pytest

from handlers.faq import keywords
from tests.unit.test_conversation import send, session, templates  # noqa: F401 - fixture


@pytest.mark.parametrize(("question", "locale", "topic"), [
    ("마이넘버카드는 어디서 수령하나요?", "ko", "card_pickup"),
    ("카드를 잃어버렸어요. 어떻게 해야 하나요?", "ko", "lost_stolen"),
    ("申请个人编号卡需要多少钱？", "zh_Hans", "fees"),
    ("我忘记密码了，怎么办？", "zh_Hans", "pin_forgot_lock"),
    ("Tôi bị mất thẻ My Number thì phải làm sao?", "vi", "lost_stolen"),
    ("Xin hỏi lệ phí làm thẻ là bao nhiêu?", "vi", "fees"),
])  # fmt: skip
def test_a_question_in_korean_chinese_or_vietnamese_is_answered_in_it(
    session, question, locale, topic  # noqa: F811 - the fixture
):
    replies = send(session, text=question)
    assert templates(replies)[:2] == [f"faq/answers/{topic}", "language/offer"]
    assert replies[0].locale == locale and replies[1].locale == locale


def test_a_japanese_question_with_kanji_is_not_taken_for_chinese():
    assert keywords.language_of("マイナンバーカードの手数料はいくらですか") is None
    assert keywords.language_of("手数料はいくら") is None
    assert keywords.language_of("申请个人编号卡需要多少钱") == "zh_Hans"
    assert keywords.language_of("Tôi bị mất thẻ") == "vi"
    assert keywords.language_of("I lost my card") is None


def test_an_unmatched_korean_question_says_so_in_korean_and_staff_are_told(session):  # noqa: F811
    replies = send(session, text="오늘 날씨는 어때요?")
    assert templates(replies)[0] == "faq/unknown" and replies[0].locale == "ko"


def test_an_english_question_gets_the_same_topic_in_english(session):  # noqa: F811
    replies = send(session, text="How much does the My Number Card cost?")
    assert templates(replies)[0] == "faq/answers/fees" and replies[0].locale == "en"
