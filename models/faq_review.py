"""Questions the FAQ did not answer confidently, kept (redacted) for staff review.

Staff read these to add examples or topics to the knowledge base
(handlers/faq/data/knowledge.yaml), so the FAQ grows from real questions.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import deferred
from models.base import Base, EncryptedText, UTCDateTime, utcnow

NEW, REVIEWED, ADDED, IGNORED = "new", "reviewed", "added", "ignored"
# new: not looked at; added: put into knowledge.yaml; reviewed: looked at, nothing to add;
# ignored: not a question for the FAQ (greetings, noise, out of scope).
STATUSES = (NEW, ADDED, REVIEWED, IGNORED)


class FaqReviewItem(Base):
    __tablename__ = "faq_review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    # Already redacted (no My Numbers or application ids), and encrypted at rest.
    question: Mapped[str] = mapped_column(EncryptedText)
    top3: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of topic ids
    score: Mapped[float] = mapped_column(Float, default=0.0)
    band: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=NEW, index=True)
    # Issue 15: staff assigned the question to a topic (or "out_of_scope"); it is
    # an example of that topic from the engine's next build on.
    assigned_topic: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    assigned_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    @property
    def top3_ids(self) -> list[str]:
        return list(json.loads(self.top3 or "[]"))


def record_faq_miss(
    session: Session, *, question_redacted: str, prediction: Any, channel: str
) -> FaqReviewItem | None:
    """Keep a question answered with low confidence (or not at all). Adds; does not commit."""
    row = {
        "created_at": utcnow(),
        "channel": channel,
        "question": question_redacted,
        "top3": json.dumps(list(prediction.top3)),
        "score": float(prediction.score),
        "band": str(prediction.band),
        "status": NEW,
    }
    if deferred.add_row(session, FaqReviewItem.__table__, row):  # a batch writes it at its end
        return None
    item = FaqReviewItem(**row)
    session.add(item)
    return item


def list_items(session: Session, status: str | None = NEW, limit: int = 200) -> list[FaqReviewItem]:
    """The newest kept questions, of one status (None: all)."""
    query = select(FaqReviewItem).order_by(FaqReviewItem.id.desc()).limit(limit)
    if status is not None:
        query = query.where(FaqReviewItem.status == status)
    return list(session.scalars(query))


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(FaqReviewItem.status, func.count()).group_by(FaqReviewItem.status)
    ).all()
    counts = {status: 0 for status in STATUSES}
    counts.update({status: n for status, n in rows})
    return counts


def set_status(session: Session, item: FaqReviewItem, status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown review status {status!r}; known: {STATUSES}")
    item.status = status


def assign_topic(session: Session, item: FaqReviewItem, topic: str, by: str) -> None:
    """Make the question an example of ``topic`` (from the engine's next build on)."""
    item.assigned_topic = topic
    item.assigned_at = utcnow()
    item.assigned_by = by[:80]
    item.status = ADDED


def assigned_pairs(session: Session) -> list[tuple[str, str]]:
    """(question, topic) of every assigned question, oldest first."""
    rows = session.execute(
        select(FaqReviewItem.question, FaqReviewItem.assigned_topic)
        .where(FaqReviewItem.assigned_topic.is_not(None))
        .order_by(FaqReviewItem.id)
    ).all()
    return [(q, t) for q, t in rows if q and t]


def assigned_examples() -> list[tuple[str, str]]:
    """The assigned questions, read from the bound database (engine build).

    Raises when no database is bound; the engine then builds from the shipped data only.
    """
    from models.db import db

    with db.reader() as s:
        return assigned_pairs(s)
