"""Text normalisation for matching: width, case, kana, long vowels, synonyms.

Three views of one question are built from the same normalised text:

* ``surface``: NFKC, lower case, hiragana folded to katakana, no spaces or
  punctuation, long-vowel marks dropped. Kanji stay as they are.
* ``reading``: the Sudachi reading of the whole text, folded the same way and
  with vowel lengthening collapsed (ko-u-fu = ko-o-fu = ko-fu). This is what lets
  hiragana-only or speech-recognised input match examples written in kanji.
* ``words``: Sudachi normalised forms of content words (stop words removed).

The synonym table (``data/synonyms.yaml``) rewrites variants and common
misspellings to one canonical spelling before anything else happens; then the
politeness and filler phrases listed under ``fillers`` in the same file are
dropped, so that a long polite question and a terse one share their content.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"

_HIRA_START, _HIRA_END = 0x3041, 0x3096
_KATA_OFFSET = 0x60
_LONG_MARKS = re.compile(r"[\u30fc\u2015\u2500\u2010\u2212\-~\u301c]")
_SPACE_PUNCT = re.compile(r"[\s\u3000]+")
# Everything that is not a letter, digit or kana/kanji is dropped from the folded views.
_NON_WORD = re.compile(r"[^0-9a-z\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff\u3005]+")


def nfkc(text: str) -> str:
    """NFKC (full-width ASCII and half-width kana folded), lower case, single spaces."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return _SPACE_PUNCT.sub(" ", folded).strip()


def hira_to_kata(text: str) -> str:
    return "".join(
        chr(ord(c) + _KATA_OFFSET) if _HIRA_START <= ord(c) <= _HIRA_END else c for c in text
    )


@lru_cache(maxsize=1)
def _kana_tables() -> tuple[dict[int, str], dict[str, str]]:
    """Katakana variant folding and the vowel of each katakana (from Unicode names)."""
    fold: dict[int, str] = {}
    vowel: dict[str, str] = {}
    for cp in range(0x30A1, 0x30FB):
        ch = chr(cp)
        name = unicodedata.name(ch, "")
        if not name.startswith("KATAKANA LETTER"):
            continue
        syllable = name.removeprefix("KATAKANA LETTER ").removeprefix("SMALL ")
        if syllable[-1:] in "AIUEO":
            vowel[ch] = syllable[-1]
    # Kana that sound the same are written the same for matching.
    pairs = {
        "WO": "O", "DI": "ZI", "DU": "ZU", "VU": "BU", "SMALL WA": "WA",
        "SMALL KA": "KA", "SMALL KE": "KE", "WI": "I", "WE": "E",
    }
    by_name = {unicodedata.name(chr(cp), ""): chr(cp) for cp in range(0x30A1, 0x30FB)}
    for src, dst in pairs.items():
        a, b = by_name.get(f"KATAKANA LETTER {src}"), by_name.get(f"KATAKANA LETTER {dst}")
        if a and b:
            fold[ord(a)] = b
    return fold, vowel


def fold_surface(text: str) -> str:
    """The surface view: katakana for kana, no long-vowel marks, letters only."""
    fold, _ = _kana_tables()
    text = hira_to_kata(nfkc(text)).translate(fold)
    text = _LONG_MARKS.sub("", text)
    return _NON_WORD.sub("", text)


def fold_reading(reading: str) -> str:
    """Collapse vowel length in a katakana reading (o-u, o-o, o-long -> o; e-i -> e)."""
    _, vowel = _kana_tables()
    text = fold_surface(reading)
    out: list[str] = []
    prev = ""
    for ch in text:
        v = vowel.get(prev)
        if (ch == _U and v in ("O", "U")) or (ch == _I and v == "E") or (
            ch in _PLAIN_VOWELS and ch == _VOWEL_KANA.get(v or "")
        ):
            continue  # a lengthened vowel: drop it, keep prev as the base
        out.append(ch)
        prev = ch
    return "".join(out)


_U = "\u30a6"
_I = "\u30a4"
_VOWEL_KANA = {"A": "\u30a2", "I": "\u30a4", "U": "\u30a6", "E": "\u30a8", "O": "\u30aa"}
_PLAIN_VOWELS = frozenset(_VOWEL_KANA.values())


@lru_cache(maxsize=1)
def _synonyms() -> tuple[re.Pattern[str], dict[str, str]]:
    with open(DATA / "synonyms.yaml", encoding="utf-8") as fh:
        table = yaml.safe_load(fh)["synonyms"]
    mapping: dict[str, str] = {}
    for canonical, variants in table.items():
        canonical = nfkc(str(canonical))
        for variant in [canonical, *(variants or [])]:
            v = nfkc(str(variant))
            for form in {v, hira_to_kata(v)}:
                mapping.setdefault(form, canonical)
    keys = sorted(mapping, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys)), mapping


def apply_synonyms(text: str) -> str:
    """Rewrite every known variant (longest first) to its canonical spelling."""
    pattern, mapping = _synonyms()
    return pattern.sub(lambda m: mapping[m.group(0)], text)


@lru_cache(maxsize=1)
def _fillers() -> re.Pattern[str] | None:
    with open(DATA / "synonyms.yaml", encoding="utf-8") as fh:
        phrases = [nfkc(str(p)) for p in yaml.safe_load(fh).get("fillers") or ()]
    phrases = sorted({p for p in phrases if p}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in phrases)) if phrases else None


def strip_fillers(text: str) -> str:
    """Drop politeness and filler phrases (``fillers`` in synonyms.yaml), longest first.

    Long polite questions then weigh their content words, not their endings.
    """
    pattern = _fillers()
    return pattern.sub(" ", text).strip() if pattern else text


def normalize_text(text: str) -> str:
    """NFKC + synonyms + filler phrases removed: the text the tokenizer sees."""
    return strip_fillers(apply_synonyms(nfkc(text)))
