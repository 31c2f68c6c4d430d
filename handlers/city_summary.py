"""A summary of a complaint the city may read: nobody named, no numbers to call.

The specification: complaints go to the city without delay, but the notice travels by e-mail and
is shown to the city's staff, so what a resident wrote is reduced before it
leaves: My Numbers and application ids (``handlers.redact``), e-mail
addresses, any number of four digits or more (phone numbers, postal codes,
house numbers: digit groups joined by a dash), the names we know (the resident's display name, staff names)
and the names we can recognise (a word before an honorific, from
``data/name_words.yaml``; Sudachi's person-name tags). Over-hiding is accepted; a
name or number getting through is not.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from models.lookalikes import DASHES, SPACES
from personal_numbers.redact import redact

NAME, NUMBER, EMAIL = "[NAME]", "[NUMBER]", "[EMAIL]"
MAX_SUMMARY = 300
WORDS = Path(__file__).parent / "data" / "name_words.yaml"

_SEP = "[" + re.escape(DASHES + SPACES) + "()()]"
# Four digits or more in a row (phone numbers, postal codes), or digit groups joined by
# a dash (house numbers: 1-1, 3-12-5).
_LONG_NUMBER = re.compile(rf"[0-9](?:{_SEP}*[0-9]){{3,}}|[0-9]+(?:[{re.escape(DASHES)}][0-9]+)+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NAMEISH = "[\u3005\u4e00-\u9fff\u30a0-\u30ff]{1,6}"  # kanji (and 々) or katakana
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _words() -> dict:
    with open(WORDS, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1)
def _honorific_name() -> re.Pattern[str]:
    honorifics = "|".join(map(re.escape, _words()["honorifics"]))
    return re.compile(rf"({_NAMEISH})(?=(?:{honorifics}))")


@lru_cache(maxsize=1)
def _tokenizer():
    """Sudachi (dictionary from the sudachidict-core wheel), loaded on first use."""
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="core").tokenizer(SplitMode.C), SplitMode.C


def _known(text: str, names: Iterable[str | None]) -> str:
    variants: set[str] = set()
    for name in names:
        folded = unicodedata.normalize("NFKC", name or "").strip()
        variants.update(v for v in [folded, *folded.split()] if len(v) >= 2)
        if len(folded) >= 2:
            variants.add(re.sub(r"\s+", "", folded))
    for variant in sorted(variants, key=len, reverse=True):
        text = text.replace(variant, NAME)
    return text


def _before_honorific(text: str) -> str:
    keep = set(_words()["not_names"])
    return _honorific_name().sub(lambda m: m.group(1) if m.group(1) in keep else NAME, text)


def _person_names(text: str) -> str:
    tokenizer, mode = _tokenizer()
    with _lock:  # a Sudachi tokenizer is not safe to share between threads
        morphemes = [(m.surface(), m.part_of_speech()) for m in tokenizer.tokenize(text, mode)]
    name_pos = tuple(_words()["person_name_pos"])
    return "".join(NAME if pos[1:3] == name_pos else surface
                   for surface, pos in morphemes)  # fmt: skip


def summary_for_city(text: str | None, names: Iterable[str | None] = ()) -> str:
    """``text`` with every name and long number hidden, at most ``MAX_SUMMARY`` characters."""
    out = redact(unicodedata.normalize("NFKC", text or "").strip()).text
    out = _EMAIL.sub(EMAIL, out)
    out = _known(out, names)
    out = _before_honorific(out)
    out = _person_names(out) if out else out
    out = _LONG_NUMBER.sub(NUMBER, out)
    out = re.sub(r"(?:\[NAME\]\s*){2,}", NAME, out)
    return out if len(out) <= MAX_SUMMARY else out[: MAX_SUMMARY - 1] + "\u2026"
