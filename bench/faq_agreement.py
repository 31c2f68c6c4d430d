"""How often a second labeller agrees with a test set's labels (issue 15, round 7).

    .venv/bin/python bench/faq_agreement.py                     # sets 5 and 6
    .venv/bin/python bench/faq_agreement.py LABELS SET [SET ...]

LABELS holds one {"id", "topic", "second"} a line, in the order of the
questions of the SETs read one after the other (ids are "<set digit>-<line>").
The second labeller saw only the questions and the topic contract
(``../shared/faq/topics.yaml``), never the sets' labels. Printed per set:
in-scope questions whose label is the relabeller's first choice, first or
second, and out-of-scope questions both call out of scope.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from faq_eval import OOS, load

ROOT = Path(__file__).resolve().parent.parent


def agreement(labels: list[dict], gold: list[dict]) -> dict[str, int]:
    if len(labels) != len(gold):
        raise SystemExit(f"{len(labels)} labels for {len(gold)} questions")
    out = {"in": 0, "first": 0, "first_or_second": 0, "oos": 0, "oos_agree": 0}
    for mine, theirs in zip(labels, gold, strict=True):
        if theirs["topic"] == OOS:
            out["oos"] += 1
            out["oos_agree"] += mine["topic"] == OOS
        else:
            out["in"] += 1
            out["first"] += mine["topic"] == theirs["topic"]
            out["first_or_second"] += theirs["topic"] in (mine["topic"], mine.get("second"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("labels", nargs="?", default=str(ROOT / "tests/data/faq_relabel56/labels.jsonl"))
    ap.add_argument("sets", nargs="*", default=[str(ROOT / f"tests/data/faq_untouched{n}/questions.jsonl")
                                                for n in (5, 6)])
    args = ap.parse_args(argv)
    labels = load(args.labels)
    at = 0
    for path in map(Path, args.sets):
        gold = load(str(path))
        m = agreement(labels[at:at + len(gold)], gold)
        at += len(gold)
        print(f"{path.parent.name}: in scope {m['first']}/{m['in']} agree "
              f"({m['first'] / max(1, m['in']):.1%}), first or second "
              f"{m['first_or_second'] / max(1, m['in']):.1%}; out of scope "
              f"{m['oos_agree']}/{m['oos']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
