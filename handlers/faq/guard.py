"""Before staff save an assignment: which evaluation questions would flip? (issue 15)

The evaluation set here is every labelled source the engine is measured on
(``data/sources.yaml``; never the untouched set). The current engine's
answers are computed once per process; the engine with the new example is
built and run over the same questions; the questions whose answer changes are
shown (``broken``: was right, is now wrong; ``fixed``: the other way;
``changed``: wrong before and after).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from handlers.faq import classifier as clf
from handlers.faq import knowledge as kb


@dataclass(frozen=True)
class Flip:
    q: str
    label: str
    before: str | None
    after: str | None
    kind: str  # broken | fixed | changed


def _label(topic: str) -> str | None:
    return None if topic == kb.OUT_OF_SCOPE else topic


@lru_cache(maxsize=1)
def guard_rows() -> tuple[tuple[str, str], ...]:
    seen: set[str] = set()
    rows = []
    for src in clf.load_sources():
        for row in clf.source_rows(src):
            if row["q"] not in seen:
                seen.add(row["q"])
                rows.append((row["q"], row["topic"]))
    return tuple(rows)


_lock = threading.Lock()
_baseline: dict[int, list[str | None]] = {}


def _answers(engine, rows) -> list[str | None]:
    return [engine.predict(q).topic for q, _ in rows]


def flips(current, extra: tuple[tuple[str, str], ...],
          rows: tuple[tuple[str, str], ...] | None = None) -> list[Flip]:
    """Questions of ``rows`` whose answer changes when ``extra`` examples are added."""
    from handlers.faq.engine import FaqEngine

    rows = guard_rows() if rows is None else rows
    key = hash((id(current), rows))
    with _lock:
        before = _baseline.get(key)
    if before is None:
        before = _answers(current, rows)
        with _lock:
            _baseline[key] = before
    base_extra = tuple(getattr(current, "staff_examples", ()))
    candidate = FaqEngine(current.base_knowledge, current.settings,
                          reranker=current.reranker or None,
                          classifier=current.classifier or None,
                          extra_examples=base_extra + tuple(extra))
    after = _answers(candidate, rows)
    out = []
    for (q, topic), b, a in zip(rows, before, after, strict=True):
        if a == b:
            continue
        want = _label(topic)
        kind = "broken" if b == want else "fixed" if a == want else "changed"
        out.append(Flip(q, topic, b, a, kind))
    order = {"broken": 0, "changed": 1, "fixed": 2}
    return sorted(out, key=lambda f: order[f.kind])
