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

from handlers.faq import language as lang

DATA = Path(__file__).parent / "data"
CONTENT_POS = lang.CONTENT_POS  # nouns, verbs, adjectives (data/language.yaml)
SKIP_POS = lang.SKIP_POS  # punctuation, spaces

_lock = threading.Lock()


@dataclass(frozen=True)
class Token:
    surface: str
    normalized: str
    reading: str
    content: bool
    parts: tuple[str, ...] = ()  # normalised short units of a compound (mode A)


@lru_cache(maxsize=1)
def _tokenizer():
    from sudachipy import Dictionary, SplitMode

    from handlers.faq.mapped_dictionary import cache_in_small_pages, system_dictionary

    cache_in_small_pages(system_dictionary())  # each question maps KBs, not MBs
    return Dictionary(dict="core").tokenizer(SplitMode.C), SplitMode.C, SplitMode.A


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


@lru_cache(maxsize=1)
def whole_terms() -> frozenset[str]:
    """Canonical spellings of synonyms.yaml: terms of their own, never split into parts."""
    with open(DATA / "synonyms.yaml", encoding="utf-8") as fh:
        return frozenset(str(w) for w in yaml.safe_load(fh).get("synonyms") or {})


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` (already normalised); punctuation and spaces are dropped."""
    tok, mode, short = _tokenizer()
    with _lock:  # a Sudachi tokenizer is not safe to share between threads
        morphemes = []
        for m in tok.tokenize(text, mode):
            pos = m.part_of_speech()[0]
            # Mode C keeps compounds whole ("setting-method"); their parts let a
            # compound meet the same words written apart ("method of setting").
            split = m.split(short) if pos in CONTENT_POS and len(m) > 1 else ()
            parts = tuple(p.normalized_form() for p in split) if len(split) > 1 else ()
            morphemes.append((m.surface(), m.normalized_form(), m.reading_form(), pos, parts))
    stops = stop_words()
    words = word_synonyms()
    whole = whole_terms()
    out: list[Token] = []
    for surface, normalized, reading, pos, parts in morphemes:
        if pos in SKIP_POS:
            continue
        normalized = words.get(normalized, normalized)
        content = pos in CONTENT_POS and normalized not in stops and surface not in stops
        kept = () if not content or surface in whole or normalized in whole else tuple(
            p for p in parts if len(p) > 1 and p not in stops)
        out.append(Token(surface, normalized, reading or surface, content, kept))
    return out
