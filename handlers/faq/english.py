"""English questions about the card (issue 15): English → concepts → Japanese.

An English question is rewritten to the canonical Japanese spellings of the
concepts it holds (``data/concepts.yaml``, the ``en`` lists) and that text is
matched like any Japanese question, so an English question is answered (in
Japanese, with a one-line English note from a template) instead of rejected.
"""

from __future__ import annotations

import re

_LETTER = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[A-Za-z]+")


def is_english(text: str) -> bool:
    """Mostly Latin letters and at least two words."""
    chars = [ch for ch in text if not ch.isspace()]
    if not chars:
        return False
    letters = sum(1 for ch in chars if _LETTER.match(ch))
    return letters / len(chars) >= 0.6 and len(_WORD.findall(text)) >= 2


# Concepts too general to steer a question when a more specific one is there.
GENERIC = ("card", "apply")
# (weaker, stronger): "how long is it valid" asks about validity, not waiting;
# "can my wife pick it up" asks about a proxy, not pick-up in general.
OUTRANKED = (("time", "expiry"), ("pickup", "proxy"))


def to_japanese(text: str, concepts) -> str:
    """The Japanese phrase of each concept found, in order ('' if none).

    The card itself and "apply" are dropped when a more specific concept is
    there (a bare card word pulls towards "what is the card"); the rest is
    read as a question about the card.
    """
    found = concepts.find_english(text)
    for weaker, stronger in OUTRANKED:
        if stronger in found and weaker in found:
            found.remove(weaker)
    specific = [c for c in found if c not in GENERIC]
    if specific:
        found = specific
    words = []
    for c in found:
        concept = concepts.by_id[c]
        if concept.phrase or concept.ja:
            words.append(concept.phrase or concept.ja[0])
    return " ".join(words)
