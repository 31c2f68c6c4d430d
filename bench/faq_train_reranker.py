"""Train the FAQ re-ranker (handlers/faq/rerank.py) and write data/reranker.yaml.

    .venv/bin/python bench/faq_train_reranker.py [tests/data/faq_dev_large.jsonl] [--write]

Run it after every change to handlers/faq/data/knowledge.yaml or focus.yaml
(the engine ignores a re-ranker trained on another knowledge base), then
bench/faq_calibrate.py ... --write.

Training data: every knowledge-base example, scored against all the other
examples (leave one out), plus the in-scope questions of the dev files given.
For each question whose topic is among the top ``--top-k`` retrieval topics, a
softmax over those topics is fitted (gradient descent with L2) on the raw
retrieval score, the focus-clause features and the cue-by-topic features.
Never pass held-out or municipal files here.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.faq import engine as faq_engine  # noqa: E402
from handlers.faq import knowledge as kb  # noqa: E402
from handlers.faq import rerank  # noqa: E402

OUT = ROOT / "handlers" / "faq" / "data" / "reranker.yaml"
DENSE = ("s", "fgap", "f")


def collect(engine: faq_engine.FaqEngine, files: list[str], top_k: int):
    items = []  # (list of feature dicts incl. "s", index of the right topic)
    questions: list[tuple[str, str, int | None]] = []
    doc = 0
    for topic in engine.knowledge.topics:
        for example in topic.examples:
            questions.append((example, topic.id, doc))
            doc += 1
    for path in files:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                if row["topic"] != kb.OUT_OF_SCOPE:
                    questions.append((row["q"], row["topic"], None))
    for text, gold, exclude in questions:
        scores = engine.raw_scores(text, exclude=exclude, reranked=False)
        top, feats = engine.rerank_inputs(text, scores, top_k, exclude)
        if gold not in top or len(top) < 2:
            continue
        for t, f in zip(top, feats, strict=True):
            f["s"] = scores[t]
        items.append((feats, top.index(gold)))
    return items


def train(items, epochs: int, lr: float, l2: float) -> dict[str, float]:
    w: dict[str, float] = {"s": 5.0}
    n = len(items)
    g2: dict[str, float] = {}
    for _ in range(epochs):
        grad: dict[str, float] = {}
        for feats, gold in items:
            zs = [sum(w.get(k, 0.0) * x for k, x in f.items()) for f in feats]
            m = max(zs)
            ex = [math.exp(z - m) for z in zs]
            tot = sum(ex)
            for j, f in enumerate(feats):
                err = ex[j] / tot - (1.0 if j == gold else 0.0)
                for k, x in f.items():
                    grad[k] = grad.get(k, 0.0) + err * x
        for k, g in grad.items():
            g = g / n + l2 * w.get(k, 0.0) * (0.1 if k in DENSE else 1.0)
            g2[k] = g2.get(k, 0.0) + g * g
            w[k] = w.get(k, 0.0) - lr * g / (math.sqrt(g2[k]) + 1e-8)
    return w


def accuracy(items, w) -> float:
    right = 0
    for feats, gold in items:
        zs = [sum(w.get(k, 0.0) * x for k, x in f.items()) for f in feats]
        right += zs.index(max(zs)) == gold
    return right / max(1, len(items))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="*", default=[])
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.3)
    ap.add_argument("--l2", type=float, default=0.001)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    engine = faq_engine.FaqEngine(kb.load(), faq_engine.Settings.load(), reranker=None)
    items = collect(engine, args.files, args.top_k)
    base = accuracy(items, {"s": 1.0})
    w = train(items, args.epochs, args.lr, args.l2)
    print(f"{len(items)} training questions; ranked top-1 {base:.1%} -> {accuracy(items, w):.1%}")
    print({k: round(w.get(k, 0.0), 3) for k in DENSE})
    if args.write:
        cue = {k: round(v, 4) for k, v in sorted(w.items()) if "|" in k and abs(v) >= 1e-3}
        out = {"top_k": args.top_k, "w_score": round(w["s"], 4),
               "w_fgap": round(w.get("fgap", 0.0), 4), "w_f": round(w.get("f", 0.0), 4),
               "trained_on": rerank.data_hash(kb.knowledge_path()), "cue_weights": cue}
        header = ("# Written by bench/faq_train_reranker.py from knowledge.yaml, focus.yaml\n"
                  "# and the dev split; do not edit. Retrain after changing either file.\n")
        OUT.write_text(header + yaml.safe_dump(out, sort_keys=False, allow_unicode=True),
                       encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)} ({len(cue)} cue weights)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
