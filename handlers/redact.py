"""Redaction of My Numbers and application ids from free text.

Runs before any text is stored or logged. A My Number is 12 digits whose
last digit is the check digit defined by the 番号法施行令 (総務省令第85号):
for the first eleven digits P1..P11 counted from the right, Qn = n + 1
(n <= 6) or n - 5 (n >= 7); r = sum(Pn * Qn) mod 11; check = 0 if r <= 1
else 11 - r. An application id (申請書ID) is printed as 23 digits.
Digits may be full-width and split by spaces or hyphens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from models.lookalikes import DASHES, SPACES

MY_NUMBER_TOKEN = "[MY_NUMBER]"
APPLICATION_ID_TOKEN = "[APPLICATION_ID]"

# A run of digits with optional single separators between them.
_SEP = "[" + re.escape(DASHES + SPACES) + "]"
_DIGIT_RUN = re.compile(rf"(?<![0-9])[0-9](?:{_SEP}?[0-9])*(?![0-9])")


@dataclass(frozen=True)
class Redaction:
    text: str
    my_numbers: int = 0
    application_ids: int = 0

    @property
    def found(self) -> bool:
        return bool(self.my_numbers or self.application_ids)


def my_number_check_digit(first11: str) -> int:
    digits = [int(c) for c in reversed(first11)]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, start=1))
    r = total % 11
    return 0 if r <= 1 else 11 - r


def is_my_number(digits: str) -> bool:
    return (
        len(digits) == 12
        and digits.isdigit()
        and my_number_check_digit(digits[:11]) == int(digits[11])
    )


def _to_ascii_digits(text: str) -> str:
    # NFKC folds full-width digits; keep everything else as written.
    return "".join(unicodedata.normalize("NFKC", c) if c.isdigit() else c for c in text)


def redact(text: str) -> Redaction:
    """Replace My Numbers and application ids with fixed tokens."""
    if not text:
        return Redaction(text or "")
    source = _to_ascii_digits(text)
    counts = {"my": 0, "app": 0}

    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"[^0-9]", "", match.group(0))
        if len(digits) == 23:
            counts["app"] += 1
            return APPLICATION_ID_TOKEN
        if is_my_number(digits):
            counts["my"] += 1
            return MY_NUMBER_TOKEN
        # A 12-digit run inside a longer number (e.g. 24 digits) is scanned
        # window by window so that a My Number glued to other digits is caught.
        if len(digits) > 12 and len(digits) != 23:
            for i in range(len(digits) - 11):
                if is_my_number(digits[i : i + 12]):
                    counts["my"] += 1
                    return MY_NUMBER_TOKEN
        return match.group(0)

    out = _DIGIT_RUN.sub(replace, source)
    if not counts["my"] and not counts["app"]:
        return Redaction(text)
    return Redaction(out, counts["my"], counts["app"])
