"""One numbering a resident can quote: 問-0012, 訪-0003, 予-B45YUA, 不-0007 (issue 19).

Every case a resident may be told about has a reference made here and nowhere
else: ``reference`` for what is written (LINE, SMS, console), ``spoken`` for
what the phone says (the kind as a word, then each digit or letter on its
own), and ``parse`` for the console's search box. The prefixes and spoken
words live in ``models/data/references.yaml`` (no Japanese in Python).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

KINDS = ("inquiry", "visit", "booking", "defect")
_SEPARATOR = re.compile(r"[\s\-‐‑–—―ー−_]+")


@lru_cache(maxsize=1)
def _table() -> dict:
    with open(Path(__file__).parent / "data" / "references.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def reference(kind: str, key: object) -> str:
    """The written reference: a prefix, a hyphen, the zero-padded id (or booking code)."""
    spec = _table()["kinds"][kind]
    written = str(key).upper()
    if spec["width"] and written.isascii() and written.isdigit():
        written = written.zfill(spec["width"])
    return f"{spec['prefix']}-{written}"


def spoken(kind: str, key: object, locale: str = "ja") -> str:
    """The reference read out: the kind as a word, then digits and letters one by one
    (in Japanese, or in English on an English call)."""
    table = _table()
    written = reference(kind, key).split("-", 1)[1]
    if locale == "en":
        english = table["en"]
        words = [english["kinds"][kind]] + [
            english["digits"][int(ch)] if ch.isdigit() else ch for ch in written
        ]
        return ", ".join(words)
    parts = [table["kinds"][kind]["spoken"]]
    for ch in written:
        if ch.isdigit():
            parts.append(table["digits"][int(ch)])
        else:
            parts.append(table["letters"].get(ch, ch))
    return "、".join(parts)


@dataclass(frozen=True)
class Ref:
    kind: str
    key: str  # an id spelled in digits, or a booking code


def parse(text: str | None) -> Ref | None:
    """What staff typed in the search box (「問-0012」「問12」「予 b45yua」) or None."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if not folded or len(folded) > 40:
        return None
    folded = _SEPARATOR.sub("", folded)
    for kind in KINDS:
        prefix = _table()["kinds"][kind]["prefix"]
        if not folded.startswith(prefix):
            continue
        rest = folded[len(prefix) :].upper()
        if kind == "booking":
            return Ref(kind, rest) if re.fullmatch(r"[0-9A-Z]{4,12}", rest) else None
        if re.fullmatch(r"[0-9]{1,9}", rest) and int(rest) > 0:
            return Ref(kind, str(int(rest)))
        return None
    return None
