"""Train the FAQ's cross-topic classifier and fit how it is mixed (issue 15).

    .venv/bin/python bench/faq_train_classifier.py --write        # train, write data/classifier.npz
    .venv/bin/python bench/faq_train_classifier.py --fit --write  # + fit the mix on LOSO, write calibration.yaml

Training data: the knowledge base and every source of ``data/sources.yaml``
(never the untouched set). ``--fit`` runs leave-one-source-out (each source
group scored by a classifier trained without it) and picks ``mix_classifier``,
``temperature``, ``combined_answer_at`` and ``combined_suggest_at`` on those
held-out predictions only: the fit never sees a question's own source.
"""

from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import replace

import yaml
from faq_sources import (
    OOS,
    ROOT,
    Featurizer,
    kb_items,
    loso,
    retrieval_engine,
    source_items,
    train_on,
)

from handlers.faq import classifier as clf

CALIBRATION = ROOT / "handlers" / "faq" / "data" / "calibration.yaml"


def score(engine, feat: Featurizer, pairs, settings) -> dict[str, float]:
    n_in = n_oos = right = top3 = rejected = 0
    for it, proba in pairs:
        mt, english, v, _, scores = feat.get(it.q)
        if not mt.strip():
            pred_topic, pred_top3 = None, ()
        else:
            pred = engine.decide(mt, v, dict(scores), proba, english, settings)
            pred_topic, pred_top3 = pred.topic, pred.top3
        if it.topic == OOS:
            n_oos += 1
            rejected += pred_topic is None
        else:
            n_in += 1
            right += pred_topic == it.topic
            top3 += it.topic in pred_top3
    return {"top1": right / max(1, n_in), "top3": top3 / max(1, n_in),
            "oos_rejected": rejected / max(1, n_oos), "n_in": n_in, "n_oos": n_oos}


def fit(engine, feat, held_out, base):
    pairs = [p for g in held_out.values() for p in g]
    best = None
    for a, t in itertools.product((0.3, 0.4, 0.5, 0.6, 0.7, 0.8), (0.03, 0.05, 0.08, 0.12)):
        for ans in (0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
            st = replace(base, mix_classifier=a, temperature=t, combined_answer_at=ans,
                         combined_suggest_at=min(ans, 0.15))
            m = score(engine, feat, pairs, st)
            # both matter: right answers and out-of-scope rejected
            obj = m["top1"] + m["oos_rejected"]
            if m["oos_rejected"] < 0.9:
                obj -= 1.0
            if best is None or obj > best[0]:
                best = (obj, st, m)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--fit", action="store_true", help="fit the mix on leave-one-source-out")
    args = ap.parse_args(argv)
    t0 = time.time()
    engine = retrieval_engine()
    knowledge = engine.knowledge
    feat = Featurizer(engine)
    items = kb_items(knowledge) + source_items()
    model = train_on(items, feat, knowledge)
    model.trained_on = clf.inputs_hash()
    print(f"trained on {len(items)} questions, {len(model.vocab)} features "
          f"({time.time() - t0:.1f} s)")
    if args.fit:
        held_out = loso(feat, knowledge)
        engine.classifier = model
        obj, st, m = fit(engine, feat, held_out, engine.settings)
        print(f"fit: mix {st.mix_classifier} T {st.temperature} answer_at "
              f"{st.combined_answer_at} suggest_at {st.combined_suggest_at}: LOSO top-1 "
              f"{m['top1']:.1%} top-3 {m['top3']:.1%} OOS rejected {m['oos_rejected']:.1%}")
        # the same fitted mix, on the round-4, -5 and -6 harvest sources and the others apart
        for name, keep in (("harvest4", lambda g: g.startswith("harvest4")),
                           ("harvest5", lambda g: g.startswith("harvest5")),
                           ("harvest6", lambda g: g.startswith("harvest6")),
                           ("earlier sources", lambda g: not g.startswith("harvest"))):
            part = [p for g, ps in held_out.items() if keep(g) for p in ps]
            if part:
                mp = score(engine, feat, part, st)
                print(f"  LOSO {name}: n {mp['n_in']} / {mp['n_oos']}: top-1 {mp['top1']:.1%} "
                      f"top-3 {mp['top3']:.1%} OOS rejected {mp['oos_rejected']:.1%}")
        if args.write:
            raw = yaml.safe_load(CALIBRATION.read_text(encoding="utf-8"))
            raw.update(mix_classifier=st.mix_classifier, temperature=st.temperature,
                       combined_answer_at=st.combined_answer_at,
                       combined_suggest_at=st.combined_suggest_at)
            CALIBRATION.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    if args.write:
        model.save()
        print(f"wrote {clf.MODEL_FILE.relative_to(ROOT)} ({clf.MODEL_FILE.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
