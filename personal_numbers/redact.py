"""Redaction of My Numbers and application ids from free text.

Runs before any text is stored or logged, on every channel (LINE, SMS,
voice speech results, console replies, API text). A My Number is 12 digits
whose last digit is the check digit defined by the 番号法施行令
(総務省令第85号): for the first eleven digits P1..P11 counted from the
right, Qn = n + 1 (n <= 6) or n - 5 (n >= 7); r = sum(Pn * Qn) mod 11;
check = 0 if r <= 1 else 11 - r. An application id (申請書ID) is printed
as 23 digits.

Digits may be written in any form (ASCII, full-width or any Unicode decimal
digit, kanji 〇一二三四五六七八九零, and in voice speech results spoken kana
such as いち/イチ) and split by separators: any Unicode space (Zs) or dash
(Pd), the look-alikes of ``personal_numbers.lookalikes``, line breaks,
dots, slashes, commas and middle dots. At most ``MAX_GAP`` separator
characters may sit between two digits, and a number must begin and end at a
group boundary (where the writer put a separator), so that phone numbers,
dates, amounts and postcodes written next to each other are left alone.

Speed: a cheap count of digit-like characters rejects most messages before
the tokenizer runs; all patterns are compiled once.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from personal_numbers.lookalikes import DASHES, SPACES

MY_NUMBER_TOKEN = "[MY_NUMBER]"
APPLICATION_ID_TOKEN = "[APPLICATION_ID]"
MY_NUMBER_LENGTH = 12
APPLICATION_ID_LENGTH = 23
MAX_GAP = 3  # separator characters allowed between two digits

_WORDS = Path(__file__).with_name("digit_words.yaml")


def _load_words() -> tuple[dict[str, int], dict[int, list[str]]]:
    with open(_WORDS, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    kanji = {c: int(d) for d, chars in raw["kanji"].items() for c in chars}
    return kanji, {int(d): list(words) for d, words in raw["spoken"].items()}


KANJI_DIGITS, _SPOKEN_WORDS = _load_words()


def _katakana(word: str) -> str:
    return "".join(chr(ord(c) + 0x60) if 0x3041 <= ord(c) <= 0x3096 else c for c in word)


SPOKEN_DIGITS: dict[str, int] = {}
for _value, _words in _SPOKEN_WORDS.items():
    for _w in _words:
        SPOKEN_DIGITS[_w] = _value
        SPOKEN_DIGITS[_katakana(_w)] = _value


# Unicode's space separators (Zs) and dash punctuation (Pd), as of Unicode 14
# (Python 3.11's unicodedata). Listed rather than found by scanning all 1.1
# million code points at every import (150 ms); a test checks the list against
# the running interpreter's unicodedata.
UNICODE_ZS = (
    "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u202f\u205f\u3000"
)
UNICODE_PD = (
    "\u002d\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a"
    "\u2e3a\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead"
)


def _separator_chars() -> str:
    # Dots, slashes, commas (and full-width), middle dots. Not the ideographic
    # comma and full stop (they end phrases), nor a colon (times stay times).
    extra = "\n\r\t\v\f./,\uff0e\uff0f\uff0c\u30fb\uff65\u00b7"
    return "".join(sorted(set(DASHES + SPACES + extra + UNICODE_ZS + UNICODE_PD)))


SEPARATORS = _separator_chars()
_SEP_CLASS = "[" + re.escape(SEPARATORS) + "]"
_KANJI_CLASS = "[" + "".join(KANJI_DIGITS) + "]"
_SPOKEN_ALT = "|".join(re.escape(w) for w in sorted(SPOKEN_DIGITS, key=len, reverse=True))

# One digit-like unit (a token); the spoken variant also knows kana words.
_TOKEN_WRITTEN = re.compile(rf"\d|{_KANJI_CLASS}")
_TOKEN_SPOKEN = re.compile(rf"\d|{_KANJI_CLASS}|{_SPOKEN_ALT}")
# The cheap pre-check: characters that may begin a digit-like unit.
_FIRST_SPOKEN = "".join(sorted({w[0] for w in SPOKEN_DIGITS}))
_CHEAP_WRITTEN = re.compile(rf"\d|{_KANJI_CLASS}")
_CHEAP_SPOKEN = re.compile(rf"\d|{_KANJI_CLASS}|[{_FIRST_SPOKEN}]")
_GAP = re.compile(rf"{_SEP_CLASS}{{0,{MAX_GAP}}}")


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
        len(digits) == MY_NUMBER_LENGTH
        and digits.isascii()
        and digits.isdigit()
        and my_number_check_digit(digits[:11]) == int(digits[11])
    )


def _value(token: str) -> int:
    if token in KANJI_DIGITS:
        return KANJI_DIGITS[token]
    if len(token) == 1 and token not in SPOKEN_DIGITS:
        return unicodedata.digit(token)
    return SPOKEN_DIGITS[token]


@dataclass
class _Run:
    """Consecutive digit tokens with at most MAX_GAP separators between them."""

    spans: list[tuple[int, int]]
    digits: str
    # Indexes (into spans) where a new group begins (a separator came before).
    breaks: set[int]
    # Indexes of one-kana spoken digits (に, し, ご, く): often just a word's end.
    weak: set[int] = dataclasses.field(default_factory=set)


def _runs(text: str, token: re.Pattern[str]) -> list[_Run]:
    runs: list[_Run] = []
    spans: list[tuple[int, int]] = []
    digits: list[str] = []
    breaks: set[int] = {0}
    weak: set[int] = set()
    last_end = -1
    for m in token.finditer(text):
        start, end = m.span()
        if spans and _GAP.fullmatch(text, last_end, start):
            if start > last_end:
                breaks.add(len(spans))
        else:
            if len(spans) >= MY_NUMBER_LENGTH:
                runs.append(_Run(spans, "".join(digits), breaks, weak))
            spans, digits, breaks, weak = [], [], {0}, set()
        if end - start > 1 or m.group(0) in SPOKEN_DIGITS:
            # A kana word is its own group: speech results glue words together.
            breaks.add(len(spans))
            breaks.add(len(spans) + 1)
            if end - start == 1:
                weak.add(len(spans))
        spans.append((start, end))
        digits.append(str(_value(m.group(0))))
        last_end = end
    if len(spans) >= MY_NUMBER_LENGTH:
        runs.append(_Run(spans, "".join(digits), breaks, weak))
    return runs


def _past_weak(run: _Run, i: int) -> int:
    """The first index at or after ``i`` that is not a one-kana spoken digit."""
    while i in run.weak:
        i += 1
    return i


def _find(run: _Run) -> list[tuple[int, int, str]]:
    """Non-overlapping (first token, last token + 1, kind) found in a run.

    A number starts and ends where the writer put a separator (or the run
    begins or ends; a spoken kana digit counts as its own group); application ids are taken first, then My Numbers in what
    is left. Inside one unbroken group longer than a number, any window with
    a valid check digit counts (a My Number glued to other digits).
    """
    n = len(run.digits)
    bounds = run.breaks | {n}
    found: list[tuple[int, int, str]] = []
    i = 0
    while i + APPLICATION_ID_LENGTH <= n:
        end = i + APPLICATION_ID_LENGTH
        j = _past_weak(run, i)
        if j != i and j + APPLICATION_ID_LENGTH in bounds:
            i = j  # the id begins after the one-kana words (よろしく...)
            continue
        if i in bounds and end in bounds:
            found.append((i, end, "app"))
            i = end
        else:
            i += 1
    free, pos = [], 0
    for start, end, _ in found:
        free.append((pos, start))
        pos = end
    free.append((pos, n))
    ordered = sorted(bounds)
    for a, b in free:
        i = a
        while i + MY_NUMBER_LENGTH <= b:
            end = i + MY_NUMBER_LENGTH
            aligned = (i in bounds or i == a) and (end in bounds or end == b)
            if not aligned:
                g0 = max(x for x in ordered if x <= i)
                g1 = min(x for x in ordered if x > i)
                aligned = g1 - g0 > MY_NUMBER_LENGTH and end <= g1
            j = _past_weak(run, i)
            if (
                j != i
                and j + MY_NUMBER_LENGTH <= b
                and (j + MY_NUMBER_LENGTH in bounds or j + MY_NUMBER_LENGTH == b)
                and is_my_number(run.digits[j : j + MY_NUMBER_LENGTH])
            ):
                i = j  # the number begins after the one-kana words (よろしく...)
                continue
            if aligned and is_my_number(run.digits[i:end]):
                found.append((i, end, "my"))
                i = end
            else:
                i += 1
    return sorted(found)


def _has_enough_digits(text: str, cheap: re.Pattern[str]) -> bool:
    count = 0
    for _ in cheap.finditer(text):
        count += 1
        if count >= MY_NUMBER_LENGTH:
            return True
    return False


def find_numbers(text: str, *, spoken: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every number in ``text``; kind is "my" or "app"."""
    if not text or not _has_enough_digits(text, _CHEAP_SPOKEN if spoken else _CHEAP_WRITTEN):
        return []
    cuts: list[tuple[int, int, str]] = []
    for run in _runs(text, _TOKEN_SPOKEN if spoken else _TOKEN_WRITTEN):
        for first, last, kind in _find(run):
            cuts.append((run.spans[first][0], run.spans[last - 1][1], kind))
    return cuts


def token_of(kind: str) -> str:
    return MY_NUMBER_TOKEN if kind == "my" else APPLICATION_ID_TOKEN


def redact(text: str | None, *, spoken: bool = False) -> Redaction:
    """Replace My Numbers and application ids with fixed tokens.

    ``spoken``: the text is a speech recognition result, so kana digit words
    (いち, に, さん, ...) count as digits too. Text without a number is
    returned unchanged (the same string).
    """
    if not text:
        return Redaction(text or "")
    if not _has_enough_digits(text, _CHEAP_SPOKEN if spoken else _CHEAP_WRITTEN):
        return Redaction(text)
    cuts = find_numbers(text, spoken=spoken)
    if not cuts:
        return Redaction(text)
    out: list[str] = []
    pos = 0
    counts = {"my": 0, "app": 0}
    for start, end, kind in cuts:
        out.append(text[pos:start])
        out.append(MY_NUMBER_TOKEN if kind == "my" else APPLICATION_ID_TOKEN)
        counts[kind] += 1
        pos = end
    out.append(text[pos:])
    return Redaction("".join(out), counts["my"], counts["app"])


def count_digit_like(text: str, *, spoken: bool = False) -> int:
    """How many digit-like units the text holds (for split-number checks)."""
    return sum(1 for _ in (_TOKEN_SPOKEN if spoken else _TOKEN_WRITTEN).finditer(text or ""))
