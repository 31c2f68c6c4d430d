"""Shared by the FAQ bench scripts (issue 15): sources, features, LOSO.

Every labelled question belongs to one *source* (``handlers/faq/data/
sources.yaml``: one municipal-page style or one style of resident speech);
the knowledge base is one more source that is always trained on. Leave one
source group out: train the classifier without it, score it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.faq import classifier as clf  # noqa: E402
from handlers.faq import knowledge as kb  # noqa: E402
from handlers.faq.engine import FaqEngine, Settings, views  # noqa: E402

OOS = kb.OUT_OF_SCOPE


@dataclass
class Item:
    q: str
    topic: str
    source: str
    group: str
    pair: str | None = None  # a second topic that is as good an answer (harvests 7-10)


def retrieval_engine() -> FaqEngine:
    return FaqEngine(kb.load(), Settings.load(), classifier=None)


def classes(knowledge: kb.Knowledge) -> list[str]:
    return [*knowledge.ids(), OOS]


def kb_items(knowledge: kb.Knowledge) -> list[Item]:
    out = [Item(e, t.id, "knowledge_base", "knowledge_base")
           for t in knowledge.topics for e in t.examples]
    out += [Item(e, OOS, "knowledge_base", "knowledge_base") for e in knowledge.out_of_scope]
    return out


def source_items() -> list[Item]:
    out = []
    for src in clf.load_sources():
        for row in clf.source_rows(src):
            out.append(Item(row["q"], row["topic"], src["name"], src.get("group", src["name"]),
                            row.get("pair")))
    return out


class Featurizer:
    """Classifier features and retrieval scores of each text, computed once."""

    def __init__(self, engine: FaqEngine) -> None:
        self.engine = engine
        self._cache: dict[str, tuple] = {}

    def get(self, text: str) -> tuple:
        hit = self._cache.get(text)
        if hit is None:
            mt, english = self.engine.match_text(text)
            v = views(mt)
            feats = self.engine.classifier_features(v, text if english else "")
            scores = self.engine.raw_scores(mt) if mt.strip() else {}
            hit = (mt, english, v, feats, scores)
            self._cache[text] = hit
        return hit


def train_on(items: list[Item], feat: Featurizer, knowledge: kb.Knowledge) -> clf.Classifier:
    rows = [(feat.get(it.q)[3], it.topic) for it in items]
    return clf.train(rows, classes(knowledge))


def loso(feat: Featurizer, knowledge: kb.Knowledge, *, log=print) -> dict[str, list]:
    """Per source group: the held-out items and the classifier's probabilities."""
    base = kb_items(knowledge)
    items = source_items()
    groups = sorted({it.group for it in items})
    out: dict[str, list] = {}
    for g in groups:
        train = base + [it for it in items if it.group != g]
        test = [it for it in items if it.group == g]
        model = train_on(train, feat, knowledge)
        out[g] = [(it, model.proba(feat.get(it.q)[3])) for it in test]
        log(f"  loso {g}: {len(test)} held out")
    return out
