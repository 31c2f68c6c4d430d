"""Redaction of My Numbers and application ids before anything is stored."""

from __future__ import annotations

import pytest

from handlers.redact import (
    APPLICATION_ID_TOKEN,
    MY_NUMBER_TOKEN,
    is_my_number,
    my_number_check_digit,
    redact,
)

# Check digits worked by hand from the formula in 総務省令第85号 第5条.
VALID = "123456789018"


def test_check_digit_matches_the_ordinance_formula():
    assert my_number_check_digit("12345678901") == 8
    # r <= 1 gives 0: all zeros sum to 0.
    assert my_number_check_digit("00000000000") == 0
    assert is_my_number(VALID)
    assert not is_my_number("123456789012")
    assert not is_my_number("12345678901")


@pytest.mark.parametrize(
    "text",
    [
        f"番号は{VALID}です",
        "１２３４５６７８９０１８",
        "1234 5678 9018",
        "1234-5678-9018",
        "１２３４−５６７８−９０１８ です",
    ],
)
def test_my_number_in_any_common_writing_is_redacted(text):
    result = redact(text)
    assert result.my_numbers == 1
    assert MY_NUMBER_TOKEN in result.text
    assert "9018" not in result.text and "９０１８" not in result.text


def test_application_id_of_23_digits_is_redacted():
    result = redact("申請書IDは 1234 5678 9012 3456 7890 123 です")
    assert result.application_ids == 1
    assert result.text == f"申請書IDは {APPLICATION_ID_TOKEN} です"


@pytest.mark.parametrize(
    "text",
    [
        "電話は 083-231-1111 です",
        "090-1234-5678",
        "予約番号 A1234",
        "12月3日 10時",
        "123456789012",  # twelve digits, wrong check digit
        "〒750-8521",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    result = redact(text)
    assert not result.found
    assert result.text == text


def test_my_number_glued_to_other_digits_is_still_caught():
    assert redact("99" + VALID).found


def test_empty_and_huge_text():
    assert redact("").text == ""
    big = "あ" * 100_000 + VALID
    assert redact(big).my_numbers == 1


def test_the_listed_unicode_spaces_and_dashes_are_this_pythons():
    """The separator lists are written out (no scan at import); they must be what
    unicodedata says, or an upgrade of Python changed Unicode under us."""
    import sys
    import unicodedata

    from personal_numbers import redact as pn

    def category(name: str) -> set[str]:
        return {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == name}

    assert set(pn.UNICODE_ZS) == category("Zs")
    assert set(pn.UNICODE_PD) == category("Pd")
