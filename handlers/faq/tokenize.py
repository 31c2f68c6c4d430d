"""Japanese tokenisation with SudachiPy (dictionary from the sudachidict-core wheel).

One tokenizer per process, created on first use. Mode C keeps
compounds (the card's name, the pickup notice) whole; their parts still meet through the
character n-grams of the surface and reading views.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
CONTENT_POS = frozenset({"\u540d\u8a5e", "\u52d5\u8a5e", "\u5f62\u5bb9\u8a5e", "\u5f62\u72b6\u8a5e"})
SKIP_POS = frozenset({"\u88dc\u52a9\u8a18\u53f7", "\u7a7a\u767d"})  # punctuation, space

_lock = threading.Lock()


@dataclass(frozen=True)
class Token:
    surface: str
    normalized: str
    reading: str
    content: bool


@lru_cache(maxsize=1)
def _tokenizer():
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="core").tokenizer(SplitMode.C), SplitMode.C


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    with open(DATA / "synonyms.yaml", encoding="utf-8") as fh:
        return frozenset(str(w) for w in yaml.safe_load(fh).get("stop_words", []))


@lru_cache(maxsize=1)
def word_synonyms() -> dict[str, str]:
    """Sudachi normalised form -> canonical word (``word_synonyms`` in synonyms.yaml)."""
    with open(DATA / "synonyms.yaml", encoding="utf-8") as fh:
        table = yaml.safe_load(fh).get("word_synonyms") or {}
    return {str(variant): str(canonical)
            for canonical, variants in table.items() for variant in variants or ()}


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` (already normalised); punctuation and spaces are dropped."""
    tok, mode = _tokenizer()
    with _lock:  # a Sudachi tokenizer is not safe to share between threads
        morphemes = [
            (m.surface(), m.normalized_form(), m.reading_form(), m.part_of_speech()[0])
            for m in tok.tokenize(text, mode)
        ]
    stops = stop_words()
    words = word_synonyms()
    out: list[Token] = []
    for surface, normalized, reading, pos in morphemes:
        if pos in SKIP_POS:
            continue
        normalized = words.get(normalized, normalized)
        content = pos in CONTENT_POS and normalized not in stops and surface not in stops
        out.append(Token(surface, normalized, reading or surface, content))
    return out
