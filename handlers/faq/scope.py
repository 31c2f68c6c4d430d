"""Is a question about another city service? (``out_of_scope`` lists in knowledge.yaml).

``other_services`` names other municipal services and documents, ``card_terms``
the words that show a question is about the card after all, and
``other_contexts`` the words that put a question elsewhere even when it names
the card (the number handed to an employer, a full bill at the clinic). A question that
names another service and, once those names are cut out, no card term is
*about another service* (a care-insurance card is not the health-insurance
card, while the health-insurance card of the national insurance still is).
In every dev file such questions are out of scope: the engine lowers their
confidence and, with ``gate_other_service``, never answers them outright.

Both lists are matched on the folded surface and, for questions typed or
heard in kana, on the folded reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Short readings would match inside unrelated words, so an other-service name
# needs four kana of reading; a card term may be short (it only ever keeps a
# question in scope).
MIN_OTHER_READING = 4
MIN_CARD_READING = 2


def _longest_first(terms: set[str]) -> tuple[str, ...]:
    return tuple(sorted((t for t in terms if t), key=len, reverse=True))


def _names_other(text: str, others: tuple[str, ...], card: tuple[str, ...]) -> bool | None:
    """None when no other service is named; else whether no card term is left."""
    rest = text
    for term in others:
        rest = rest.replace(term, "\0")
    if rest == text:
        return None
    return not any(term in rest for term in card)


@dataclass(frozen=True)
class ScopeTerms:
    others: tuple[str, ...]
    card: tuple[str, ...]
    other_readings: tuple[str, ...]
    card_readings: tuple[str, ...]
    contexts: tuple[str, ...] = ()
    context_readings: tuple[str, ...] = ()

    @classmethod
    def build(cls, other_services: tuple[str, ...], card_terms: tuple[str, ...],
              surface: Callable[[str], str], reading: Callable[[str], str],
              other_contexts: tuple[str, ...] = ()) -> ScopeTerms:
        """Fold the lists the way questions are folded (``surface``, ``reading``)."""
        return cls(
            _longest_first({surface(t) for t in other_services}),
            _longest_first({surface(t) for t in card_terms}),
            _longest_first({r for r in map(reading, other_services)
                            if len(r) >= MIN_OTHER_READING}),
            _longest_first({r for r in map(reading, card_terms) if len(r) >= MIN_CARD_READING}),
            _longest_first({surface(t) for t in other_contexts}),
            _longest_first({r for r in map(reading, other_contexts)
                            if len(r) >= MIN_OTHER_READING}),
        )

    def other_service(self, surface: str, reading: str) -> bool:
        """True when the question (its folded surface and reading) is about another service."""
        if any(t in surface for t in self.contexts) or any(
                t in reading for t in self.context_readings):
            return True
        found = _names_other(surface, self.others, self.card)
        if found is None:
            found = _names_other(reading, self.other_readings, self.card_readings)
        return bool(found)
