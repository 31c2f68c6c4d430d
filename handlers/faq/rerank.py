"""Re-ranking the best topics by what a question actually asks.

A municipal-style question often names two topics: the situation first and
the ask last (data/focus.yaml has examples). Retrieval over the whole text
ranks by the strongest noun; this module adds, for each of the top
``top_k`` topics, a learned correction from

* ``fgap``: how far the topic is behind the best topic when only the *focus
  clause* is scored (the last clause of the question with a content word),
* ``f``: that focus-clause score itself,
* ``cue|topic``: question cues found in the focus clause (cost, when, where,
  bring, can, happens ... from data/focus.yaml), each crossed with the topic.

The correction is ``(w . features) / w_score``: a softmax over the top-k
topics with the raw score as one more feature is trained by
``bench/faq_train_reranker.py`` on the knowledge-base examples (each scored
against the others, leave one out) plus the dev split, and written to
``data/reranker.yaml`` together with a hash of the knowledge base and the
focus rules. When the hash no longer matches (examples were added and the
re-ranker was not retrained) the engine ranks by the raw score alone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from handlers.faq import language as lang
from handlers.faq.normalize import apply_synonyms, nfkc

DATA = Path(__file__).parent / "data"
_PUNCT = lang.CLAUSE_PUNCTUATION


@dataclass(frozen=True)
class FocusRules:
    breaks: re.Pattern[str]
    cues: tuple[tuple[str, tuple[str, ...]], ...]


@lru_cache(maxsize=1)
def focus_rules(path: str | None = None) -> FocusRules:
    with open(path or DATA / "focus.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    marks = sorted({nfkc(str(b)) for b in raw.get("clause_breaks") or ()} | set(_PUNCT),
                   key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(m) for m in marks if m))
    cues = tuple((str(name), tuple(nfkc(str(w)) for w in words or ()))
                 for name, words in (raw.get("cues") or {}).items())
    return FocusRules(pattern, cues)


def clauses(text: str) -> list[str]:
    """The clauses of a question (after NFKC and synonyms), in order."""
    rules = focus_rules()
    norm = apply_synonyms(nfkc(text))
    return [p.strip() for p in rules.breaks.split(norm) if p and p.strip()]


def cues(clause: str) -> tuple[str, ...]:
    return tuple(name for name, words in focus_rules().cues if any(w in clause for w in words))


def data_hash(knowledge_file: Path, focus_file: Path | None = None) -> str:
    """Hash of what the re-ranker was trained on.

    The knowledge base and the focus rules, plus the synonym, language and
    kana-spelling tables that shape every feature it sees.
    """
    h = hashlib.sha256()
    for path in (knowledge_file, focus_file or DATA / "focus.yaml",
                 DATA / "synonyms.yaml", DATA / "language.yaml", DATA / "kana_words.yaml"):
        if Path(path).exists():
            h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Reranker:
    top_k: int
    w_score: float
    w_fgap: float
    w_f: float
    cue_weights: dict[str, float]  # "cue|topic" -> weight
    trained_on: str

    @classmethod
    def load(cls, path: Path | None = None) -> Reranker | None:
        path = path or DATA / "reranker.yaml"
        if not path.exists():
            return None
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh) or {}
        return cls(int(raw["top_k"]), float(raw["w_score"]), float(raw["w_fgap"]),
                   float(raw["w_f"]), {str(k): float(v) for k, v in
                                       (raw.get("cue_weights") or {}).items()},
                   str(raw.get("trained_on", "")))


def candidate_features(top: list[str], focus_scores: dict[str, float] | None,
                       cue_names: tuple[str, ...]) -> list[dict[str, float]]:
    """Sparse features (besides the raw score) of each of the top topics."""
    out: list[dict[str, float]] = []
    fmax = max((focus_scores.get(t, 0.0) for t in top), default=0.0) if focus_scores else 0.0
    for t in top:
        feats: dict[str, float] = {}
        if focus_scores is not None:
            f = focus_scores.get(t, 0.0)
            feats["fgap"] = f - fmax
            feats["f"] = f
        for c in cue_names:
            feats[f"{c}|{t}"] = 1.0
        out.append(feats)
    return out


def correction(model: Reranker, feats: dict[str, float]) -> float:
    z = model.w_fgap * feats.get("fgap", 0.0) + model.w_f * feats.get("f", 0.0)
    for k, x in feats.items():
        if "|" in k:
            z += model.cue_weights.get(k, 0.0) * x
    return z / model.w_score if model.w_score > 0 else 0.0
