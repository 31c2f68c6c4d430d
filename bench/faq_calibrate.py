"""Fit the FAQ confidence and pick the answer/suggest thresholds on a dev set.

    .venv/bin/python bench/faq_calibrate.py tests/data/faq_dev_large.jsonl [--write]

Confidence = sigmoid(a * best + b * (best - second) + d * (best - oos)
+ e * other + c), where second is the second topic, oos the out-of-scope
pseudo-topic and other is 1 when the question names another service and no
card term (``other_services`` / ``card_terms`` in knowledge.yaml). a, b, d, e, c
are fitted by logistic regression (label: the ranked top-1 is the right topic);
the separate out-of-scope terms let rejection and topic confusion weigh
differently.
``answer_at`` is the lowest threshold that keeps out-of-scope questions
answered at most --max-oos-answer and wrong answers on in-scope questions at
most --max-wrong (default 2 %: questions gated as another service count as
not answered, so 2 % of all out-of-scope dev questions is about the share of
the ungated ones that 4 % was before ``other_contexts`` gated more of them);
``suggest_at`` is where the right topic is still in the top
3 for most in-scope questions. Tune on the dev split only; report on the
held-out split with bench/faq_eval.py.
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
from handlers.faq.knowledge import OUT_OF_SCOPE  # noqa: E402

CALIBRATION = ROOT / "handlers" / "faq" / "data" / "calibration.yaml"


Row = tuple[float, float, float, float, bool, bool, bool]


def collect(path: str) -> list[Row]:
    """(best, second, oos, other, top1 right, in scope, right topic in top 3) per question."""
    engine = faq_engine.FaqEngine(faq_engine.kb.load(), faq_engine.Settings.load())
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    out = []
    for row in rows:
        scores = engine.raw_scores(row["q"])
        oos = scores.pop(OUT_OF_SCOPE, 0.0)
        ranked = sorted(scores, key=lambda t: scores[t], reverse=True)
        best, second = scores[ranked[0]], scores[ranked[1]]
        in_scope = row["topic"] != OUT_OF_SCOPE
        other = float(engine.other_service(row["q"]))
        out.append((best, second, oos, other, ranked[0] == row["topic"], in_scope,
                    row["topic"] in ranked[:3]))
    return out


def fit(data: list[Row], epochs: int = 4000, lr: float = 0.5,
        l2: float = 1e-3) -> tuple[float, float, float, float, float]:
    a = b = d = e = c = 0.0
    n = len(data)
    for _ in range(epochs):
        ga = gb = gd = ge = gc = 0.0
        for best, second, oos, other, right, _, _ in data:
            z = a * best + b * (best - second) + d * (best - oos) + e * other + c
            p = 1.0 / (1.0 + math.exp(-max(-50, min(50, z))))
            err = p - (1.0 if right else 0.0)
            ga += err * best
            gb += err * (best - second)
            gd += err * (best - oos)
            ge += err * other
            gc += err
        a -= lr * (ga / n + l2 * a)
        b -= lr * (gb / n + l2 * b)
        d -= lr * (gd / n + l2 * d)
        e -= lr * (ge / n + l2 * e)
        c -= lr * gc / n
    return a, b, d, e, c


def conf(a, b, d, e, c, best, second, oos, other) -> float:
    z = a * best + b * (best - second) + d * (best - oos) + e * other + c
    return 1.0 / (1.0 + math.exp(-max(-50, min(50, z))))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--max-oos-answer", type=float, default=0.02)
    ap.add_argument("--max-wrong", type=float, default=0.05)
    ap.add_argument("--write", action="store_true", help="update calibration.yaml")
    args = ap.parse_args()
    data = [x for f in args.files for x in collect(f)]
    a, b, d, e, c = fit(data)
    gate = bool(yaml.safe_load(CALIBRATION.read_text(encoding="utf-8")).get("gate_other_service"))
    # A gated question (another service, no card term) is never answered: it
    # counts as below every threshold.
    confs = [(0.0 if gate and other else conf(a, b, d, e, c, best, second, oos, other),
              right, ins, in3)
             for best, second, oos, other, right, ins, in3 in data]
    ins = [x for x in confs if x[2]]
    oos = [x for x in confs if not x[2]]
    chosen = None
    for step in range(5, 96):
        t = step / 100
        oos_answer = sum(p >= t for p, *_ in oos) / max(1, len(oos))
        wrong = sum(p >= t and not r for p, r, _, _ in ins) / max(1, len(ins))
        top1 = sum(p >= t and r for p, r, _, _ in ins) / max(1, len(ins))
        if oos_answer <= args.max_oos_answer and wrong <= args.max_wrong:
            chosen = (t, top1, wrong, oos_answer)
            break
    if chosen is None:
        sys.exit("no threshold meets the limits; add examples or relax --max-*")
    answer_at = chosen[0]
    # Suggest band: below answer_at, keep questions whose right topic is in the top 3
    # for in-scope rows, and still reject most out-of-scope rows.
    suggest_at = answer_at
    for step in range(int(answer_at * 100), 0, -1):
        t = step / 100
        oos_kept = sum(p >= t for p, *_ in oos) / max(1, len(oos))
        if oos_kept > 0.15:
            break
        suggest_at = t
    print(f"coef_score={a:.3f} coef_margin={b:.3f} coef_oos_margin={d:.3f} "
          f"coef_other_service={e:.3f} intercept={c:.3f}")
    print(f"answer_at={answer_at:.2f}: top-1 {chosen[1]:.1%}, wrong {chosen[2]:.1%}, "
          f"out-of-scope answered {chosen[3]:.1%}; suggest_at={suggest_at:.2f}")
    if args.write:
        raw = yaml.safe_load(CALIBRATION.read_text(encoding="utf-8"))
        raw.update(coef_score=round(a, 3), coef_margin=round(b, 3),
                   coef_oos_margin=round(d, 3), intercept=round(c, 3),
                   coef_other_service=round(e, 3),
                   answer_at=answer_at, suggest_at=suggest_at)
        header = "".join(line for line in CALIBRATION.read_text(encoding="utf-8").splitlines(True)
                         if line.startswith("#"))
        CALIBRATION.write_text(header + yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        print(f"wrote {CALIBRATION.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
