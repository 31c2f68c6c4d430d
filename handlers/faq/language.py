"""Facts about written Japanese, read once from ``data/language.yaml``.

Sudachi part-of-speech names, script ranges, long-vowel marks, kana folding
and clause punctuation live in that file, so that the Python modules of the
FAQ engine hold no Japanese text and a linguist can read and change them.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"

with open(DATA / "language.yaml", encoding="utf-8") as _fh:
    _RAW = yaml.safe_load(_fh)


def _range(name: str) -> tuple[str, str]:
    first, last = (str(c) for c in _RAW["scripts"][name])
    return first, last


CONTENT_POS = frozenset(str(p) for p in _RAW["sudachi"]["content_pos"])
SKIP_POS = frozenset(str(p) for p in _RAW["sudachi"]["skip_pos"])

HIRAGANA = _range("hiragana")
KATAKANA = _range("katakana")
KANJI = _range("kanji")
KANJI_MARKS = frozenset(str(c) for c in _RAW["scripts"]["kanji_marks"])

LONG_VOWEL_MARKS = str(_RAW["long_vowel_marks"])
KANA_FOLDS = {ord(str(a)): str(b) for a, b in _RAW["kana_folds"].items()}
VOWEL_KANA = {str(k): str(v) for k, v in _RAW["vowel_kana"].items()}
CLAUSE_PUNCTUATION = str(_RAW["clause_punctuation"])


def char_class(*ranges: tuple[str, str], extra: str = "") -> str:
    """The inside of a regex character class covering ``ranges`` and ``extra``."""
    parts = [f"{re.escape(a)}-{re.escape(b)}" for a, b in ranges]
    return "".join(parts) + "".join(re.escape(c) for c in extra)


def is_kanji(ch: str) -> bool:
    return KANJI[0] <= ch <= KANJI[1] or ch in KANJI_MARKS


def has_katakana(text: str) -> bool:
    return any(KATAKANA[0] <= c <= KATAKANA[1] for c in text)
