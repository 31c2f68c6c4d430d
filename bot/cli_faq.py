"""``flask --app bot faq predict``: the FAQ engine over JSON lines (evaluation interface).

Reads one JSON object per line on stdin (``{"q": "..."}``) and writes one line
per input line: ``{"q", "topic" (null when it would not answer), "top3",
"score", "band", "ms"}``; ``ms`` is the engine's own time for that question.
A line that is not valid JSON (or has no string "q") gets ``{"error": ...}``.
Needs no database.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

faq_cli = AppGroup("faq", help="FAQ engine tools.")


def predict_line(engine, line: str) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"invalid JSON: {exc.msg}"}
    if not isinstance(row, dict) or not isinstance(row.get("q"), str):
        return {"error": 'expected an object with a string "q"'}
    pred, ms = engine.timed_predict(row["q"])
    return {
        "q": row["q"],
        "topic": pred.topic,
        "top3": list(pred.top3),
        "score": pred.score,
        "band": pred.band,
        "ms": round(ms, 3),
    }


@faq_cli.command("predict")
def predict() -> None:
    """Predict FAQ topics for JSON lines on stdin ({"q": ...}), one JSON line out each."""
    from handlers.faq.engine import get_engine

    engine = get_engine()
    for stream in (sys.stdin, sys.stdout):
        try:
            stream.reconfigure(encoding="utf-8")  # JSON lines are UTF-8 whatever the locale
        except (AttributeError, ValueError, OSError):
            pass
    for line in sys.stdin:
        if not line.strip():
            continue  # blank lines (a trailing newline) are not questions
        click.echo(json.dumps(predict_line(engine, line), ensure_ascii=False))
        sys.stdout.flush()
