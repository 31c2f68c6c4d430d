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

from handlers.faq import language as lang

DATA = Path(__file__).parent / "data"

_KATA_OFFSET = ord(lang.KATAKANA[0]) - ord(lang.HIRAGANA[0])
_LONG_MARKS = re.compile(f"[{lang.char_class(extra=lang.LONG_VOWEL_MARKS)}]")
_SPACES = re.compile(r"\s+")  # \s covers the ideographic space too
# Everything that is not a letter, digit or kana/kanji is dropped from the folded views.
_NON_WORD = re.compile(
    "[^0-9a-z"
    + lang.char_class(lang.HIRAGANA, lang.KATAKANA, lang.KANJI, extra="".join(lang.KANJI_MARKS))
    + "]+"
)


def nfkc(text: str) -> str:
    """NFKC (full-width ASCII and half-width kana folded), lower case, single spaces."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return _SPACES.sub(" ", folded).strip()


def hira_to_kata(text: str) -> str:
    first, last = lang.HIRAGANA
    return "".join(chr(ord(c) + _KATA_OFFSET) if first <= c <= last else c for c in text)


@lru_cache(maxsize=1)
def _vowels() -> dict[str, str]:
    """The vowel (A I U E O) of each katakana, from its Unicode name."""
    vowel: dict[str, str] = {}
    first, last = lang.KATAKANA
    for cp in range(ord(first), ord(last) + 1):
        name = unicodedata.name(chr(cp), "")
        if not name.startswith("KATAKANA LETTER"):
            continue
        syllable = name.removeprefix("KATAKANA LETTER ").removeprefix("SMALL ")
        if syllable[-1:] in "AIUEO":
            vowel[chr(cp)] = syllable[-1]
    return vowel


def fold_surface(text: str) -> str:
    """The surface view: katakana for kana, no long-vowel marks, letters only."""
    text = hira_to_kata(nfkc(text)).translate(lang.KANA_FOLDS)
    text = _LONG_MARKS.sub("", text)
    return _NON_WORD.sub("", text)


def fold_reading(reading: str) -> str:
    """Collapse vowel length in a katakana reading (o-u, o-o, o-long -> o; e-i -> e)."""
    vowel = _vowels()
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


_U = lang.VOWEL_KANA["U"]
_I = lang.VOWEL_KANA["I"]
_VOWEL_KANA = lang.VOWEL_KANA
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


_HIRAGANA_RUN = re.compile(f"[{lang.char_class(lang.HIRAGANA, extra=lang.LONG_VOWEL_MARKS)}]+")


@lru_cache(maxsize=1)
def _kana_words() -> tuple[dict[str, str], int]:
    """Hiragana reading -> spelling of the knowledge base's nouns (data/kana_words.yaml)."""
    path = DATA / "kana_words.yaml"
    if not path.exists():
        return {}, 0
    with open(path, encoding="utf-8") as fh:
        table = {str(k): str(v) for k, v in (yaml.safe_load(fh).get("words") or {}).items()}
    return table, max(map(len, table), default=0)


def _spell_run(run: str, table: dict[str, str], longest: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(run):
        for n in range(min(longest, len(run) - i), 2, -1):
            word = table.get(run[i : i + n])
            if word is not None:
                out.append(word)
                i += n
                break
        else:
            out.append(run[i])
            i += 1
    return "".join(out)


def spell_kana_words(text: str) -> str:
    """Write the knowledge base's nouns found in hiragana runs as the examples spell them.

    A question typed without kanji (or heard by a recogniser that wrote kana)
    then meets the examples in the surface and word views, not only in the
    reading. Longest reading first, left to right (``bench/faq_kana_vocab.py``).
    """
    table, longest = _kana_words()
    if not table:
        return text
    return _HIRAGANA_RUN.sub(lambda m: _spell_run(m.group(0), table, longest), text)


def normalize_text(text: str) -> str:
    """NFKC + synonyms + kana nouns spelled + filler phrases removed: what the tokenizer sees."""
    return strip_fillers(spell_kana_words(apply_synonyms(nfkc(text))))
