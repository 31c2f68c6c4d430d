"""Typed numbers: one phone parser everywhere, one list of hyphen look-alikes."""

from __future__ import annotations

import pytest

from handlers import booking_rules as rules
from handlers.redact import MY_NUMBER_TOKEN, redact
from models.applications import ApplicationRecord, RecordError
from models.lookalikes import DASHES
from models.phone_numbers import domestic, e164
from models.postal import normalize_postal_code

VALID_MY_NUMBER = "123456789018"


@pytest.mark.parametrize(
    "raw, expected",
    [("090-1234-5678", "09012345678"), ("０８３（２３１）１１１１", "0832311111"),
     ("+81 90 1234 5678", "09012345678"), ("+81 (0)83 231 1111", "0832311111"),
     ("083 231 1111", "0832311111"), ("0832311111", "0832311111")],
)  # fmt: skip
def test_common_writings_of_a_japanese_number_are_understood(raw, expected):
    assert domestic(raw) == expected
    assert e164(raw) == "+81" + expected[1:]


@pytest.mark.parametrize(
    "raw", [None, "", "12345", "090-1234-567a", "tel090-1234-5678", "0901234567890",
            "+1 415 555 0100", "1-234-567-8901"],
)  # fmt: skip
def test_what_is_not_a_japanese_number_is_refused(raw):
    assert domestic(raw) is None and e164(raw) is None


def test_letters_in_a_record_phone_are_refused_not_dropped():
    # The record's own parser once kept the digits of anything typed.
    with pytest.raises(RecordError) as err:
        ApplicationRecord().set_contact_phone("090-abcd-1234-5678")
    assert err.value.code == "bad_phone"
    assert rules.parse_phone("090-abcd-1234-5678") == rules.BAD_PHONE


@pytest.mark.parametrize("dash", list(DASHES))
def test_every_hyphen_lookalike_is_accepted_by_every_number_parser(dash):
    assert domestic(f"090{dash}1234{dash}5678") == "09012345678"
    assert normalize_postal_code(f"750{dash}0006") == "7500006"
    split = f"{VALID_MY_NUMBER[:4]}{dash}{VALID_MY_NUMBER[4:8]}{dash}{VALID_MY_NUMBER[8:]}"
    assert redact(f"番号は{split}です").text == f"番号は{MY_NUMBER_TOKEN}です"
