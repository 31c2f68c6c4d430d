"""Questions the FAQ could not answer with confidence, for staff to review.

The FAQ keeps them redacted (``models.faq_review``); here staff read them
with the engine's best guesses, mark what they did (added to the knowledge
base, nothing to add, not a question) and download the new ones as JSON
lines to write examples from (``docs/faq.md``, "Adding to the FAQ").
Every look and every download is audited: a question may still describe a
person's situation.
"""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for

from bot.console.blueprint import bp
from bot.console.security import actor, require
from models import faq_review as fr
from models.audit import audit
from models.base import utcnow
from models.db import db
from models.permissions import REPLY, VIEW_INBOX


def _titles(items: list[fr.FaqReviewItem]) -> dict[str, str]:
    from handlers.faq.engine import get_engine

    engine = get_engine()
    guessed = {t for item in items for t in item.top3_ids}
    return {t: engine.title(t) for t in guessed & set(engine.topic_ids())}


def _status_arg() -> str | None:
    status = request.args.get("status", fr.NEW)
    if status == "all":
        return None
    return status if status in fr.STATUSES else fr.NEW


@bp.route("/faq-review")
@require(VIEW_INBOX)
def faq_review():
    status = _status_arg()
    with db.unit_of_work() as s:
        items = fr.list_items(s, status)
        audit(s, actor(), "view", "faq_review", f"{len(items)} rows")
        page = render_template(
            "console/faq_review.html", items=items, titles=_titles(items),
            status=status or "all", statuses=fr.STATUSES, counts=fr.counts_by_status(s),
            topics=_topic_choices(), topic_titles=dict(_topic_choices()),
        )  # fmt: skip
        s.commit()
    return page


@bp.route("/faq-review/<int:item_id>", methods=["POST"])
@require(REPLY)
def faq_review_mark(item_id: int):
    status = request.form.get("status", "")
    if status not in fr.STATUSES:
        abort(400, "status")
    with db.unit_of_work() as s:
        item = s.get(fr.FaqReviewItem, item_id)
        if item is None:
            abort(404)
        fr.set_status(s, item, status)
        audit(s, actor(), "update", f"faq_review:{item_id}", f"status={status}")
        s.commit()
    flash("review_marked")
    return redirect(url_for("console.faq_review", status=request.args.get("back", fr.NEW)))


def _topic_choices() -> list[tuple[str, str]]:
    from handlers.faq.engine import get_engine

    engine = get_engine()
    return [(t, engine.title(t)) for t in engine.topic_ids()]


@bp.route("/faq-review/<int:item_id>/assign", methods=["POST"])
@require(REPLY)
def faq_review_assign(item_id: int):
    """Assign a kept question to a topic: first show what it changes, then save.

    ``step=check`` runs the evaluation questions with and without the new
    example and shows those that flip; ``step=save`` stores the assignment
    (an example of the topic from the engine's next start).
    """
    from handlers.faq import guard
    from handlers.faq.engine import get_engine
    from handlers.faq.knowledge import OUT_OF_SCOPE

    topic = request.form.get("topic", "")
    step = request.form.get("step", "check")
    engine = get_engine()
    if topic not in {*engine.topic_ids(), OUT_OF_SCOPE} or step not in ("check", "save"):
        abort(400, "topic")
    with db.unit_of_work() as s:
        item = s.get(fr.FaqReviewItem, item_id)
        if item is None:
            abort(404)
        if step == "save":
            fr.assign_topic(s, item, topic, actor())
            audit(s, actor(), "update", f"faq_review:{item_id}", f"assigned={topic}")
            s.commit()
            flash("review_assigned")
            return redirect(url_for("console.faq_review", status=request.args.get("back", fr.NEW)))
        question = item.question
        audit(s, actor(), "view", f"faq_review:{item_id}", f"check={topic}")
        s.commit()
    flips = guard.flips(engine, ((question, topic),))
    titles = dict(_topic_choices())
    return render_template(
        "console/faq_review_assign.html", item_id=item_id, question=question, topic=topic,
        titles=titles, flips=flips, n_checked=len(guard.guard_rows()),
        broken=sum(f.kind == "broken" for f in flips),
        fixed=sum(f.kind == "fixed" for f in flips), back=request.args.get("back", fr.NEW),
    )


@bp.route("/faq-review.jsonl")
@require(VIEW_INBOX)
def faq_review_export():
    """The new questions as JSON lines ({"q", "top3", "score", "band", "channel", "at"})."""
    with db.unit_of_work() as s:
        items = fr.list_items(s, fr.NEW, limit=5000)
        audit(s, actor(), "export", "faq_review", f"{len(items)} rows")
        lines = [
            json.dumps({"q": i.question, "top3": i.top3_ids, "score": round(i.score, 3),
                        "band": i.band, "channel": i.channel,
                        "at": i.created_at.isoformat()}, ensure_ascii=False)  # fmt: skip
            for i in items
        ]
        s.commit()
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        "".join(line + "\n" for line in lines),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f"attachment; filename=faq-review-{stamp}.jsonl"},
    )
