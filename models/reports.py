"""Report versions (draft → checked → submitted) and the counts reports read.

A report is named by ``kind`` (daily, monthly, completion) and ``key`` (the
day ``2026-12-05``, the month ``2026-12``, the contract period's id). Each
version is a row; a checked or submitted version keeps the figures it was
checked with (``figures``, JSON), so what went to the city never changes.
When figures of a submitted report's period change, a new draft version is
opened (``handlers.reports.workflow``) and shows the difference.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.inquiries import CATEGORIES, CLOSED, Inquiry

DAILY, MONTHLY, COMPLETION = "daily", "monthly", "completion"
KINDS = (DAILY, MONTHLY, COMPLETION)
DRAFT, CHECKED, SUBMITTED = "draft", "checked", "submitted"
STATUSES = (DRAFT, CHECKED, SUBMITTED)


class ReportVersion(Base):
    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("kind", "key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # frozen once checked
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_by: Mapped[str | None] = mapped_column(String(80))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(80))
    submitted_on: Mapped[date | None] = mapped_column(Date)


def versions(session: Session, kind: str, key: str) -> list[ReportVersion]:
    """Every version of one report, the latest first."""
    return list(
        session.scalars(
            select(ReportVersion)
            .where(ReportVersion.kind == kind, ReportVersion.key == key)
            .order_by(ReportVersion.version.desc())
        )
    )


def latest(session: Session, kind: str, key: str) -> ReportVersion | None:
    found = versions(session, kind, key)
    return found[0] if found else None


def all_latest(session: Session, kind: str | None = None) -> list[ReportVersion]:
    """The latest version of each report (of one kind), newest key first."""
    query = select(ReportVersion).order_by(ReportVersion.key.desc(), ReportVersion.version.desc())
    if kind:
        query = query.where(ReportVersion.kind == kind)
    seen, out = set(), []
    for row in session.scalars(query):
        if (row.kind, row.key) not in seen:
            seen.add((row.kind, row.key))
            out.append(row)
    return out


def daily_keys(session: Session) -> set[str]:
    return {
        k for k in session.scalars(select(ReportVersion.key).where(ReportVersion.kind == DAILY))
    }  # fmt: skip


def inquiry_counts(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Inquiries opened in [start, end): by category, and how many were closed (handled)."""
    rows = session.execute(
        select(Inquiry.category, Inquiry.status).where(
            Inquiry.opened_at >= start, Inquiry.opened_at < end
        )
    ).all()
    opened = Counter(c for c, _ in rows)
    closed = Counter(c for c, s in rows if s == CLOSED)
    return {
        "by_category": {
            c: {"opened": opened.get(c, 0), "closed": closed.get(c, 0),
                "open": opened.get(c, 0) - closed.get(c, 0)}
            for c in CATEGORIES
        },
        "total": len(rows),
        "closed": sum(closed.values()),
    }  # fmt: skip
