"""The knowledge base: topics, titles, example questions and keywords (data, not code).

``data/knowledge.yaml`` holds one entry per topic::

    topics:
      card_overview:
        title: short button label (<= 20 characters)
        answer: faq/answers/card_overview   # optional, this is the default
        keywords: [words that point strongly at this topic]
        description: the topic's key facts in plain words (from the topic contract)
        examples: [questions in residents' own words]
    out_of_scope:
      other_services: [names of other services and documents]
      card_terms: [words that show a question is about the card after all]
      examples: [questions the FAQ must not answer]

Staff extend the FAQ by adding examples (or a new topic plus its answer
template); nothing else changes. ``KNOWLEDGE_FILE`` may point at another file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
OUT_OF_SCOPE = "out_of_scope"
TITLE_MAX = 20


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    answer: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Knowledge:
    topics: tuple[Topic, ...]
    out_of_scope: tuple[str, ...]
    # A question naming another service (a residence certificate at the window,
    # a passport, child allowance ...) and no card term is most likely not ours; the confidence
    # learns how much that counts (coef_other_service in calibration.yaml).
    other_services: tuple[str, ...] = ()
    card_terms: tuple[str, ...] = ()
    # Words that put a question elsewhere even when it names the card: the
    # number handed to an employer, a full bill at the clinic, the uses of the
    # number in other offices' work.
    other_contexts: tuple[str, ...] = ()

    def ids(self) -> list[str]:
        return [t.id for t in self.topics]


def with_examples(knowledge: Knowledge, extra: tuple[tuple[str, str], ...]) -> Knowledge:
    """The knowledge base plus (question, topic) examples (staff assignments).

    A topic id that is not in the knowledge base is skipped; ``out_of_scope``
    adds an out-of-scope example.
    """
    by_topic: dict[str, list[str]] = {}
    for question, topic in extra:
        by_topic.setdefault(topic, []).append(question)
    topics = tuple(
        replace(t, examples=t.examples + tuple(by_topic.get(t.id, ()))) for t in knowledge.topics
    )
    oos = knowledge.out_of_scope + tuple(by_topic.get(OUT_OF_SCOPE, ()))
    return replace(knowledge, topics=topics, out_of_scope=oos)


def knowledge_path() -> Path:
    return Path(os.environ.get("FAQ_KNOWLEDGE_FILE") or DATA / "knowledge.yaml")


def parse(raw: dict) -> Knowledge:
    topics: list[Topic] = []
    for topic_id, entry in (raw.get("topics") or {}).items():
        if topic_id == OUT_OF_SCOPE:
            raise ValueError(f"{OUT_OF_SCOPE!r} is reserved")
        title = str(entry["title"])
        if len(title) > TITLE_MAX:
            raise ValueError(f"title of {topic_id} is longer than {TITLE_MAX}: {title}")
        examples = tuple(str(e) for e in entry.get("examples") or ())
        if not examples:
            raise ValueError(f"topic {topic_id} has no examples")
        topics.append(
            Topic(
                id=str(topic_id),
                title=title,
                answer=str(entry.get("answer") or f"faq/answers/{topic_id}"),
                keywords=tuple(str(k) for k in entry.get("keywords") or ()),
                examples=examples,
                description=" ".join(str(entry.get("description") or "").split()),
            )
        )
    scope = raw.get(OUT_OF_SCOPE) or {}
    oos = tuple(str(e) for e in scope.get("examples") or ())
    return Knowledge(
        tuple(topics),
        oos,
        other_services=tuple(str(w) for w in scope.get("other_services") or ()),
        card_terms=tuple(str(w) for w in scope.get("card_terms") or ()),
        other_contexts=tuple(str(w) for w in scope.get("other_contexts") or ()),
    )


@lru_cache(maxsize=2)
def load(path: str | None = None) -> Knowledge:
    with open(path or knowledge_path(), encoding="utf-8") as fh:
        return parse(yaml.safe_load(fh))
