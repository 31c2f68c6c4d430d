"""Evaluate the FAQ engine on a labelled JSONL file, or by the issue-15 protocol.

    .venv/bin/python bench/faq_eval.py --protocol          # in-distribution, LOSO, untouched, memory
    .venv/bin/python bench/faq_eval.py --protocol --no-loso
    .venv/bin/python bench/faq_eval.py tests/data/faq_holdout.jsonl
    .venv/bin/python bench/faq_eval.py FILE --in-process      # import the engine
    .venv/bin/python bench/faq_eval.py FILE --cmd "flask --app bot faq predict"

Each input line is {"q": ..., "topic": <id or "out_of_scope">}. By default the
questions go through ``flask --app bot faq predict`` in one subprocess; the
latency reported is the engine's own per-question time (the "ms" field of
the predict output, measured around ``predict``), not process start-up.

``--protocol`` prints (docs/faq.md, "Measuring"): the shipped engine on every
source it was trained on (in-distribution: optimistic), leave-one-source-out
(each source group scored by a classifier trained without it), the blind
sets of the round (``BLIND_SETS``: never tuned on, never trained on), p99 latency and the memory of
the loaded engine (RSS delta, anonymous and file-backed apart).

Printed: top-1 (the answered topic equals the label), top-1 of the ranking
(whether or not it would answer), top-3, answer rate, out-of-scope rejection,
false answers on out-of-scope, p50/p99 latency. ``--errors`` lists misses.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OOS = "out_of_scope"


def load(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def predict_subprocess(questions: list[str], cmd: str) -> list[dict]:
    payload = "".join(json.dumps({"q": q}, ensure_ascii=False) + "\n" for q in questions)
    proc = subprocess.run(
        shlex.split(cmd),
        input=payload,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"predict command failed ({proc.returncode}):\n{proc.stderr}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def predict_in_process(questions: list[str]) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from handlers.faq.engine import get_engine

    engine = get_engine()
    out = []
    for q in questions:
        pred, ms = engine.timed_predict(q)
        out.append(
            {"q": q, "topic": pred.topic, "top3": list(pred.top3), "score": pred.score,
             "band": pred.band, "ms": ms}
        )
    return out


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100.0 * (len(ordered) - 1))))
    return ordered[k]


def summarize(rows: list[dict], preds: list[dict]) -> dict[str, float]:
    ins = [(r, p) for r, p in zip(rows, preds, strict=True) if r["topic"] != OOS]
    oos = [(r, p) for r, p in zip(rows, preds, strict=True) if r["topic"] == OOS]
    n_in = max(1, len(ins))
    n_oos = max(1, len(oos))
    ms = [float(p["ms"]) for p in preds if "ms" in p]
    return {
        "questions": len(rows),
        "in_scope": len(ins),
        "out_of_scope": len(oos),
        "top1": sum(p.get("topic") == r["topic"] for r, p in ins) / n_in,
        "top1_ranked": sum((p.get("top3") or [None])[0] == r["topic"] for r, p in ins) / n_in,
        "top3": sum(r["topic"] in (p.get("top3") or [])[:3] for r, p in ins) / n_in,
        "answered": sum(p.get("topic") is not None for _, p in ins) / n_in,
        "wrong_answer": sum(p.get("topic") not in (None, r["topic"]) for r, p in ins) / n_in,
        "oos_rejected": sum(p.get("topic") is None for _, p in oos) / n_oos,
        "oos_false_answer": sum(p.get("topic") is not None for _, p in oos) / n_oos,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
    }


def report(name: str, m: dict[str, float]) -> str:
    return (
        f"{name}: n={m['questions']} (in-scope {m['in_scope']}, out-of-scope {m['out_of_scope']})\n"
        f"  top-1 {m['top1']:.1%}  (ranked top-1 {m['top1_ranked']:.1%})  "
        f"top-3 {m['top3']:.1%}  answered {m['answered']:.1%}  wrong answers {m['wrong_answer']:.1%}\n"
        f"  out-of-scope rejected {m['oos_rejected']:.1%}  false answers {m['oos_false_answer']:.1%}\n"
        f"  latency p50 {m['p50_ms']:.2f} ms  p99 {m['p99_ms']:.2f} ms"
    )


def rss_kb() -> dict[str, int]:
    out = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(rest.split()[0])
    return out


def by_lang(rows: list[dict], preds: list[dict]) -> str:
    en = [(r, p) for r, p in zip(rows, preds, strict=True) if r.get("lang") == "en"]
    if not en:
        return ""
    ins = [(r, p) for r, p in en if r["topic"] != OOS]
    oos = [(r, p) for r, p in en if r["topic"] == OOS]
    right = sum(p.get("topic") == r["topic"] for r, p in ins)
    rej = sum(p.get("topic") is None for _, p in oos)
    return (f"  English: in-scope {right}/{len(ins)} answered right, "
            f"out-of-scope {rej}/{len(oos)} rejected")


# The blind sets of the current round: written by people who never saw the engine, frozen
# before the round they measure (tests/unit/test_faq_protocol.py), never trained on.
# When a round is finished and measured, write the next ones before the round after it.
BLIND_SETS = (
    ("faq_untouched23", "twenty-third set (written blind before round 14, run on round 13 "
                        "as the baseline and on round 14)"),
    ("faq_untouched24", "twenty-fourth set (written blind before round 14, run on round 13 "
                        "as the baseline and on round 14)"),
)


def protocol(args) -> int:
    """In-distribution, leave-one-source-out, untouched set, latency, memory."""
    import gc

    sys.path.insert(0, str(ROOT / "bench"))
    before = rss_kb()
    from handlers.faq.engine import get_engine

    engine = get_engine()
    engine.predict("マイナンバーカードの暗証番号を忘れました")
    gc.collect()
    after = rss_kb()
    delta = {k: (after[k] - before.get(k, 0)) / 1024 for k in after}
    from bot import release_mapped_dictionary

    release_mapped_dictionary()  # what the web master does after warming up
    released = {k: (v - before.get(k, 0)) / 1024 for k, v in rss_kb().items()}
    # a worker answering: the dictionary pages its questions touch come back
    for q in ("暗証番号を忘れました", "子どものカードの受け取りはどうすればいいですか",
              "マイナ保険証と資格確認書の違いは", "How long does it take to get the card?"):
        engine.predict(q)
    answering = {k: (v - before.get(k, 0)) / 1024 for k, v in rss_kb().items()}
    from faq_sources import Featurizer, loso, source_items
    from faq_train_classifier import score

    items = source_items()
    rows = [{"q": it.q, "topic": it.topic} for it in items]
    preds = predict_in_process([r["q"] for r in rows])
    print(report("in-distribution (every source, shipped engine: tuned and trained on)",
                 summarize(rows, preds)))
    if not args.no_loso:
        feat = Featurizer(engine)
        held = loso(feat, engine.knowledge, log=lambda *_: None)
        pooled = []
        for g, pairs in sorted(held.items()):
            m = score(engine, feat, pairs, engine.settings)
            pooled += pairs
            print(f"  LOSO {g:<22} in {m['n_in']:>3} top-1 {m['top1']:.1%} top-3 {m['top3']:.1%}"
                  f"  oos {m['n_oos']:>2} rejected {m['oos_rejected']:.1%}")
        m = score(engine, feat, pooled, engine.settings)
        print(f"leave-one-source-out (pooled, {m['n_in']} in / {m['n_oos']} out): "
              f"top-1 {m['top1']:.1%}  top-3 {m['top3']:.1%}  OOS rejected {m['oos_rejected']:.1%}")
    print("untouched sets 1-22: retired in rounds 11 (1-14), 12 (15-18), 13 (19, 20) and 14 "
          "(21, 22), trained on since (their figures are the LOSO groups set1 ... set22 above); "
          "docs/faq.md has what each measured before")
    blind_rows: list[dict] = []
    blind_preds: list[dict] = []
    for name, title in BLIND_SETS:
        rows = load(str(ROOT / "tests" / "data" / name / "questions.jsonl"))
        preds = predict_in_process([r["q"] for r in rows])
        preds = predict_in_process([r["q"] for r in rows])  # second pass: warm timings
        print(report(title, summarize(rows, preds)))
        print(by_lang(rows, preds))
        blind_rows += rows
        blind_preds += preds
    print(report("blind sets together (the number to report)",
                 summarize(blind_rows, blind_preds)))
    print(by_lang(blind_rows, blind_preds))
    print(f"memory of the loaded engine (RSS delta of building it): {delta['VmRSS']:.1f} MB "
          f"= anonymous {delta.get('RssAnon', 0):.1f} MB + file-backed (mmap'd Sudachi "
          f"dictionary pages touched while building) {delta.get('RssFile', 0):.1f} MB")
    print(f"  after the dictionary pages are released (web master): {released['VmRSS']:.1f} MB "
          f"(anonymous {released.get('RssAnon', 0):.1f}, file {released.get('RssFile', 0):.1f}); "
          f"answering a few questions: {answering['VmRSS']:.1f} MB "
          f"(file-backed pages are shared page cache, not the engine's own)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("files", nargs="*", help="JSONL with q and topic")
    ap.add_argument("--protocol", action="store_true",
                    help="in-distribution + leave-one-source-out + untouched set + memory")
    ap.add_argument("--no-loso", action="store_true", help="with --protocol: skip LOSO")
    ap.add_argument("--cmd", default=f"{shlex.quote(sys.executable)} -m flask --app bot faq predict",
                    help="predict command (reads JSONL on stdin)")
    ap.add_argument("--in-process", action="store_true", help="import the engine instead")
    ap.add_argument("--errors", action="store_true", help="list every miss")
    ap.add_argument("--json", action="store_true", help="print metrics as JSON")
    args = ap.parse_args(argv)
    if args.protocol:
        return protocol(args)
    for path in args.files:
        rows = load(path)
        questions = [r["q"] for r in rows]
        start = time.perf_counter()
        preds = (predict_in_process(questions) if args.in_process
                 else predict_subprocess(questions, args.cmd))
        wall = time.perf_counter() - start
        if len(preds) != len(rows):
            sys.exit(f"{path}: {len(rows)} questions but {len(preds)} predictions")
        metrics = summarize(rows, preds)
        lang_line = by_lang(rows, preds)
        if args.json:
            print(json.dumps({"file": path, **metrics, "wall_s": round(wall, 2)}))
        else:
            print(report(path, metrics) + f"  (wall {wall:.1f} s)")
            if lang_line:
                print(lang_line)
        if args.errors:
            for r, p in zip(rows, preds, strict=True):
                if p.get("topic") != (None if r["topic"] == OOS else r["topic"]):
                    print(f"  MISS {r['topic']:<28} -> {p.get('topic')!s:<24} "
                          f"{p.get('band')} {p.get('score')} top3={p.get('top3')}  {r['q']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
