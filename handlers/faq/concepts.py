"""Concept groups (``data/concepts.yaml``): wording-independent signals.

A concept is a set of spellings that mean one thing to the FAQ (the child
concept: the words for a child, a son, under-15s, a legal representative ...). ``Concepts.find`` names the concepts a question
holds (on the folded surface and, for spellings of 3+ kana, on the reading);
the classifier uses them as features, the English layer rewrites an English
question to the canonical Japanese spelling of its concepts, and an
out-of-scope concept picks the referral an unanswered question gets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Concept:
    id: str
    ja: tuple[str, ...]
    en: tuple[str, ...]
    referral: str | None = None
    phrase: str = ""  # the Japanese an English question is rewritten to (default: ja[0])


class Concepts:
    def __init__(self, concepts: list[Concept], english: dict | None = None) -> None:
        from handlers.faq.engine import views  # built lazily: views needs the tokenizer

        self.items = concepts
        # how an English question is written in Japanese beyond the concepts'
        # phrases (the ``english`` section of concepts.yaml)
        self.english = dict(english or {})
        self._ja: list[tuple[str, str, str]] = []  # (concept, folded surface, reading)
        for c in concepts:
            for term in c.ja:
                v = views(term)
                if v.surface:
                    self._ja.append((c.id, v.surface, v.reading if len(v.reading) >= 4 else ""))
        self._en: list[tuple[str, re.Pattern[str]]] = [
            (c.id, re.compile(r"(?<![a-z])" + re.escape(term) + r"s?(?![a-z])"))
            for c in concepts for term in c.en
        ]
        self.by_id = {c.id: c for c in concepts}
        # round 10: does an English question name the card? (``card_words`` — "card"
        # not after one of ``other_cards`` — or one of ``card_concepts``), and the
        # words left out of its classifier features; built once here
        en = self.english
        others = "".join(rf"(?<!\b{re.escape(w)} )" for w in en.get("other_cards") or ())
        self._card_named = re.compile("|".join(
            others + rf"\b{re.escape(w)}" + (r"s?\b" if w == "card" else "")
            for w in en.get("card_words") or ())) if en.get("card_words") else None
        self.card_concepts = frozenset(en.get("card_concepts") or ())
        self.stop_words = frozenset(en.get("stop_words") or ())

    def names_the_card(self, text: str, found: Iterable[str] = ()) -> bool:
        """Does an English question name the card, its number or the support
        programme (``card_words``), or one of the card's own concepts (``found``
        among ``card_concepts``: the PIN, the eligibility certificate ...)?"""
        if self._card_named is None or not self.card_concepts.isdisjoint(found):
            return True
        return self._card_named.search(text.lower()) is not None

    def find(self, surface: str, reading: str) -> set[str]:
        return {cid for cid, s, r in self._ja if s in surface or (r and r in reading)}

    def find_english(self, text: str) -> list[str]:
        """Concept ids an English text holds, in order of first appearance."""
        return [cid for _, cid in self.find_english_at(text)]

    def find_english_at(self, text: str) -> list[tuple[int, str]]:
        """(position, concept id) of each concept an English text holds, in order.

        The longest wording wins: a match lying inside a longer match of
        another concept does not count ("individual number notice" is the
        notification card, not the postcard's "notice"; "expired insurance
        card" is the old paper card, not an expired My Number Card).
        """
        low = text.lower()
        spans: list[tuple[int, int, str]] = []
        for cid, pattern in self._en:
            spans += [(m.start(), m.end(), cid) for m in pattern.finditer(low)]
        hits: list[tuple[int, str]] = []
        seen: set[str] = set()
        for start, end, cid in sorted(spans):
            if cid in seen:
                continue
            inside = any(s <= start and end <= e and (e - s) > (end - start) and c != cid
                         for s, e, c in spans)
            if not inside:
                seen.add(cid)
                hits.append((start, cid))
        return sorted(hits)

    def referral(self, found: set[str]) -> str | None:
        for c in self.items:
            if c.referral and c.id in found:
                return c.referral
        return None


def parse(raw: dict) -> list[Concept]:
    out = []
    for cid, entry in (raw.get("concepts") or {}).items():
        out.append(Concept(
            id=str(cid),
            ja=tuple(str(t) for t in entry.get("ja") or ()),
            en=tuple(str(t).lower() for t in entry.get("en") or ()),
            referral=entry.get("referral"),
            phrase=str(entry.get("phrase") or ""),
        ))
    return out


def concepts_path() -> Path:
    return DATA / "concepts.yaml"


@lru_cache(maxsize=1)
def load() -> Concepts:
    with open(concepts_path(), encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return Concepts(parse(raw), raw.get("english"))
