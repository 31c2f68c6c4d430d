"""Property tests: a My Number or application id written any way is redacted;
ordinary numbers are left byte-identical (issue 20)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from personal_numbers.redact import (
    APPLICATION_ID_TOKEN,
    KANJI_DIGITS,
    MY_NUMBER_TOKEN,
    SPOKEN_DIGITS,
    my_number_check_digit,
    redact,
)

FULL_WIDTH = "０１２３４５６７８９"
KANJI = "〇一二三四五六七八九"
KANA = {v: [w for w, d in SPOKEN_DIGITS.items() if d == v] for v in range(10)}
SEPS = ["", " ", "\u3000", "-", "ー", "−", "\n", ".", "/", ",", "，", "・", "\u00a0", "\u2009", "–", "—"]
WORDS = ["番号は", "です", "my number is ", "お願いします", "はい、", " thanks", "申請書ID:", "。", "\n", "よろしく"]

settings.register_profile("redact", max_examples=150, deadline=None)
settings.load_profile("redact")


@st.composite
def my_numbers(draw):
    first = "".join(str(d) for d in draw(st.lists(st.integers(0, 9), min_size=11, max_size=11)))
    return first + str(my_number_check_digit(first))


application_ids = st.text(alphabet="0123456789", min_size=23, max_size=23)


@st.composite
def rendered(draw, digits: str, spoken: bool):
    forms = ["ascii", "full", "kanji"] + (["kana"] if spoken else [])
    mode = draw(st.sampled_from(["mixed", "per_char_space", "groups"]))
    out = []
    for i, ch in enumerate(digits):
        form = draw(st.sampled_from(forms))
        d = int(ch)
        out.append(
            {"ascii": ch, "full": FULL_WIDTH[d], "kanji": KANJI[d], "kana": None}[form]
            or draw(st.sampled_from(KANA[d]))
        )
        if i < len(digits) - 1:
            if mode == "per_char_space":
                out.append(" ")
            elif mode == "groups":
                out.append(draw(st.sampled_from(SEPS)) if i % 4 == 3 else "")
            else:
                out.append(draw(st.sampled_from(SEPS)) * draw(st.integers(0, 1)))
    return "".join(out)


@given(data=st.data(), number=my_numbers(), spoken=st.booleans())
def test_my_number_in_any_shape_is_redacted(data, number, spoken):
    shape = data.draw(rendered(number, spoken))
    before, after = data.draw(st.sampled_from(WORDS)), data.draw(st.sampled_from(WORDS))
    result = redact(before + shape + after, spoken=spoken)
    assert result.my_numbers == 1, (before + shape + after)
    assert MY_NUMBER_TOKEN in result.text
    assert result.text == before + MY_NUMBER_TOKEN + after


@given(data=st.data(), number=application_ids, spoken=st.booleans())
def test_application_id_in_any_shape_is_redacted(data, number, spoken):
    shape = data.draw(rendered(number, spoken))
    before, after = data.draw(st.sampled_from(WORDS)), data.draw(st.sampled_from(WORDS))
    result = redact(before + shape + after, spoken=spoken)
    assert result.found, before + shape + after
    assert number not in result.text
    assert APPLICATION_ID_TOKEN in result.text or MY_NUMBER_TOKEN in result.text



ORDINARY = st.sampled_from(
    [
        "0832-31-1111", "090-1234-5678", "083-231-1111", "080 9876 5432", "2026-12-05",
        "2026年12月5日", "2026/12/05", "令和8年12月5日", "1,234,567円", "12,000円",
        "〒750-0006", "750-0006", "10:30", "9時30分", "123456789012", "1234 5678 9012",
        "１２３４５６７８９０１２", "二〇二六年十二月五日", "3人", "第1会場",
    ]
)
JOINERS = st.sampled_from(["と", " and ", "、電話は", "。\n", " 日時 ", "、"])


@given(parts=st.lists(st.tuples(ORDINARY, JOINERS), min_size=1, max_size=4))
def test_ordinary_numbers_stay_byte_identical(parts):
    text = "".join(a + b for a, b in parts)
    result = redact(text)
    assert not result.found, text
    assert result.text is text or result.text == text


def test_spoken_kana_only_counts_in_speech():
    said = "いちにさんよんごーろくななはちきゅうぜろいちはち"
    assert redact(said, spoken=True).my_numbers == 1
    assert not redact(said).found
    assert redact("イチニサンヨンゴロクナナハチキュウゼロイチハチ", spoken=True).found


def test_wrong_check_digit_in_any_form_stays():
    for text in ["一二三四五六七八九〇一二", "1.2.3.4.5.6.7.8.9.0.1.2", "１２３４\n５６７８\n９０１２"]:
        assert redact(text).text == text


def test_kanji_table_has_zero_twice():
    assert KANJI_DIGITS["零"] == KANJI_DIGITS["〇"] == 0
