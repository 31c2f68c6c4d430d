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
_COMPARE = re.compile(r"\b(?:difference|differ|differs|versus|vs)\b|same as|same thing as")
_CLAUSE = re.compile(r"[.?!;,](?=\s|$)")


def is_english(text: str) -> bool:
    """Mostly Latin letters and at least two words."""
    chars = [ch for ch in text if not ch.isspace()]
    if not chars:
        return False
    letters = sum(1 for ch in chars if _LETTER.match(ch))
    return letters / len(chars) >= 0.6 and len(_WORD.findall(text)) >= 2


# Concepts too general to steer a question when a more specific one is there
# ("use" in "which PIN do I use" or "can I use it at the hospital" asks
# about the PIN or the hospital, not about what the card is good for).
GENERIC = ("card", "apply", "uses")
# The form of a question, not its matter: "what is" alone ("What's the
# weather like tomorrow?") is no question about the card.
QUESTION_FORM = ("what_is",)
# Beside a specific concept a question form is written with its short
# phrase ("What is the eligibility certificate?" asks what the certificate
# is, not what the My Number Card is): ``english.form_phrase`` of
# concepts.yaml; a comparison naming the card, ``english.compare_phrase``.
# (weaker, stronger): "how long is it valid" asks about validity, not waiting;
# "can my wife pick it up" asks about a proxy, not pick-up in general;
# "the password of the e-certificate" asks about the PIN; face recognition
# at the hospital is the insurance card's reception, not the PIN-less card.
OUTRANKED = (("time", "expiry"), ("pickup", "proxy"), ("e_cert", "pin"),
             ("face_auth", "health_insurance"))


def to_japanese(text: str, concepts) -> str:
    """The Japanese phrase of each concept found, in order ('' if none).

    The card itself, "apply" and "use" are dropped when a more specific
    concept is there (a bare card word pulls towards "what is the card");
    the rest is read as a question about the card. A question with nothing
    but "what is" is not about the card (''). A question that names neither
    the card nor its number nor one of the card's own concepts
    (``Concepts.names_the_card``) starts with the ``unnamed_marker`` clause,
    a signal the classifier learns from.
    """
    at = concepts.find_english_at(text)
    rewritten = _concept_clauses(text, at, concepts)
    marker = concepts.english.get("unnamed_marker")
    if rewritten and marker and not concepts.names_the_card(text, (c for _, c in at)):
        return marker + concepts.english.get("clause_joiner", " ") + rewritten
    return rewritten


def _concept_clauses(text: str, at: list[tuple[int, str]], concepts) -> str:
    found = [c for _, c in at]
    if found and all(c in QUESTION_FORM for c in found):
        return ""  # only "what is ...": nothing about the card
    for weaker, stronger in OUTRANKED:
        if stronger in found and weaker in found:
            found.remove(weaker)
    specific = [c for c in found if c not in GENERIC and c not in QUESTION_FORM]
    en = concepts.english
    if specific:
        forms = en.get("form_phrase") or {}
        words = {c: forms.get(c, "") if c in QUESTION_FORM else _phrase(concepts.by_id[c])
                 for c in found if c in specific or c in QUESTION_FORM}
        if "card" in found and _COMPARE.search(text.lower()):
            # "the difference between the notification card and the My Number
            # card": the card itself is one side of the comparison
            words["card"] = _phrase(concepts.by_id["card"])
            if "what_is" in words:
                words["what_is"] = en.get("compare_phrase", words["what_is"])
    else:  # nothing specific: "what is it" / "what can I use it for" about the card
        focus = [c for c in found if c == "uses" or c in QUESTION_FORM] or found
        words = {c: _phrase(concepts.by_id[c]) for c in focus}
    # one Japanese clause per English sentence or clause, so that the
    # re-ranker's focus (the last clause) is what the question asks:
    # "My card is being renewed, can I get an eligibility certificate?"
    # → (renewal) <clause break> (eligibility certificate)
    cuts = [m.start() for m in _CLAUSE.finditer(text)]
    parts: dict[int, list[str]] = {}
    for pos, c in at:
        if words.get(c):
            parts.setdefault(sum(cut < pos for cut in cuts), []).append(words[c])
    joiner = en.get("clause_joiner", " ")
    return joiner.join(" ".join(ws) for _, ws in sorted(parts.items()))


def _phrase(concept) -> str:
    return concept.phrase or (concept.ja[0] if concept.ja else "")
