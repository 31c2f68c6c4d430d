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


def to_japanese(text: str, concepts) -> str:
    """The canonical Japanese spelling of each concept found, in order ('' if none)."""
    found = concepts.find_english(text)
    if found and found != ["card"] and "card" not in found:
        found = ["card", *found]
    return " ".join(concepts.by_id[c].ja[0] for c in found if concepts.by_id[c].ja)
