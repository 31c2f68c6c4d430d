"""Keyword-level FAQ matching for Korean, Chinese and Vietnamese (issue 17).

The Japanese engine reads Japanese (and English through its concepts); for
the other languages residents write in, a small table per language
(``data/keywords/<locale>.yaml``: topic → words) finds the topics a question
names. Honest by design: a hit answers, several equal hits offer them as
choices, none hands over to a person who is told the resident's language.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "keywords"
LANGUAGES = ("ko", "zh_Hans", "vi")


@cache
def _scripts() -> dict[str, re.Pattern[str]]:
    with open(DATA / "scripts.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return {name: re.compile(f"[{chars}]") for name, chars in raw.items()}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


@cache
def _table(locale: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    with open(DATA / f"{locale}.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return tuple((topic, tuple(_fold(w) for w in words)) for topic, words in raw.items())


def language_of(text: str) -> str | None:
    """Korean, Vietnamese or Simplified Chinese, when the script says so; else None."""
    scripts = _scripts()
    if scripts["hangul"].search(text):
        return "ko"
    if scripts["vietnamese"].search(text):
        return "vi"
    if not scripts["kana"].search(text) and scripts["simplified"].search(text):
        return "zh_Hans"
    return None


def match(text: str, locale: str) -> list[tuple[str, int]]:
    """(topic, score) for topics whose words the question contains, best first;
    the score is the length of the words matched (specific words weigh more)."""
    if locale not in LANGUAGES:
        return []
    said = _fold(text)
    scores: dict[str, int] = {}
    for topic, words in _table(locale):
        found = [w for w in words if w and w in said]
        if found:
            scores[topic] = sum(len(w) for w in found)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
