"""Normalising free text and recognising the global words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
# Trailing spaces and punctuation after NFKC: ideographic full stop and comma, . , ! ?
_TRAILING = re.compile(r"[\s\u3002\u3001.,!?]+$")


def normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "").strip().lower()
    folded = re.sub(r"\s+", "", folded)
    return _TRAILING.sub("", folded)


@lru_cache(maxsize=1)
def _global_words() -> dict[str, str]:
    with open(DATA / "global_words.yaml", encoding="utf-8") as fh:
        table = yaml.safe_load(fh)
    return {normalize(word): value for value, words in table.items() for word in words}


def global_word(text: str | None) -> str | None:
    """The global value (g:menu, g:stop, …) a short text stands for, if any."""
    if not text or len(text) > 30:
        return None
    return _global_words().get(normalize(text))


@lru_cache(maxsize=1)
def _my_bookings_words() -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    with open(DATA / "my_bookings_words.yaml", encoding="utf-8") as fh:
        table = yaml.safe_load(fh)
    fold = lambda words: tuple(normalize(w) for w in words)  # noqa: E731
    return fold(table["things"]), fold(table["actions"]), frozenset(fold(table["phrases"]))


def asks_for_my_bookings(text: str | None) -> bool:
    """「予約の確認」「予約をやめたい」「訪問の日を変えたい」: the resident means their bookings."""
    if not text or len(text) > 40:
        return False
    said = normalize(text)
    things, actions, phrases = _my_bookings_words()
    if said in phrases:
        return True
    return any(t in said for t in things) and any(a in said for a in actions)
