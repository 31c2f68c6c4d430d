"""One numbering (issue 19, point 5): written, read out and searched the same way."""

from __future__ import annotations

import pytest

from handlers.text import render
from models.references import Ref, parse, reference, spoken


def test_each_kind_has_its_own_prefix():
    assert reference("inquiry", 12) == "問-0012"
    assert reference("visit", 3) == "訪-0003"
    assert reference("booking", "b45yua") == "予-B45YUA"
    assert reference("defect", 7) == "不-0007"
    assert reference("inquiry", 123456) == "問-123456"


def test_the_phone_reads_the_kind_as_a_word_then_each_digit():
    assert spoken("inquiry", 12) == "といあわせ ばんごう、ぜろ、ぜろ、いち、に"
    assert spoken("defect", 7) == "ふび ばんごう、ぜろ、ぜろ、ぜろ、なな"
    assert spoken("booking", "B45YUA") == "よやく ばんごう、ビー、よん、ご、ワイ、ユー、エー"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("問-0012", Ref("inquiry", "12")),
        ("問12", Ref("inquiry", "12")),
        ("問ー0012", Ref("inquiry", "12")),
        (" 訪 0003 ", Ref("visit", "3")),
        ("予-b45yua", Ref("booking", "B45YUA")),
        ("不-0007", Ref("defect", "7")),
        ("不-０００７", Ref("defect", "7")),
    ],
)
def test_what_staff_type_in_the_search_box_is_understood(typed, expected):
    assert parse(typed) == expected


@pytest.mark.parametrize("typed", ["", "12", "問-", "問-0", "問-abc", "予-!!", "x" * 50, None])
def test_what_is_not_a_reference_is_refused(typed):
    assert parse(typed) is None


def test_line_sms_and_voice_quote_the_same_reference():
    assert "(受付番号 問-0012)" in render("handoff/opened", inquiry_id=12, in_hours=True)
    card = render("bookings/card_lines", code="B45YUA", slot={"start": "10:00", "end": "10:30"},
                  party=2, area=None)  # fmt: skip
    assert card.startswith("予約番号:予-B45YUA")
    context = {"case_id": 7, "inquiry_id": 9, "reason": "photo", "by_phone": True,
               "in_hours": True}  # fmt: skip
    assert "受付番号は、ふび ばんごう、ぜろ、ぜろ、ぜろ、なな、です。" in render(
        "defect/opened", voice=True, **context
    )
    assert "(受付番号 不-0007)" in render("defect/opened", **context)


def test_no_message_template_prints_a_bare_number_a_resident_would_quote():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates" / "messages"
    bare = ("{{ inquiry_id }}", "{{ number }}", "{{ case_id }}", "{{ code }}")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.txt")
                 if any(b in p.read_text(encoding="utf-8") for b in bare)]  # fmt: skip
    assert offenders == []
