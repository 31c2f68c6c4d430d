"""Audit log: every look at, export of or purge of personal data, and every change staff
make to the program's records; who, what, which record, when, why.

``AuditFilter`` and ``audit_page`` / ``audit_rows`` serve the log viewer
(``bot/console/audit_log.py``): who (part of the actor), what (the action),
which record (the target, by its beginning: ``inquiry:12``, ``resident:``),
when (Tokyo days, inclusive), why (part of the reason).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, Select, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow
from scheduler.business_calendar import JST

PAGE_SIZE = 50
EXPORT_MAX = 50_000  # rows in one CSV; narrow the filter for more


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80), index=True)  # staff login, "system", "clock"
    action: Mapped[str] = mapped_column(String(40))  # view, export, reveal, purge, rotate
    target: Mapped[str] = mapped_column(String(120), index=True)  # e.g. "resident:12"
    reason: Mapped[str | None] = mapped_column(Text)


def audit(session: Session, actor: str, action: str, target: str, reason: str | None = None):
    session.add(AuditEntry(actor=actor, action=action, target=target, reason=reason))


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""
    action: str = ""
    target: str = ""
    since: date | None = None
    until: date | None = None
    why: str = ""

    def describe(self) -> str:
        """The filter as one line for the audit log's own entry (no personal data beyond
        what the viewer typed)."""
        parts = [f"{k}={v}" for k, v in vars(self).items() if v not in ("", None)]
        return "; ".join(str(p) for p in parts) or "all"


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _query(f: AuditFilter) -> Select:
    query = select(AuditEntry)
    if f.who:
        query = query.where(AuditEntry.actor.ilike(f"%{_like(f.who)}%", escape="\\"))
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.target:
        query = query.where(AuditEntry.target.like(f"{_like(f.target)}%", escape="\\"))
    if f.since:
        query = query.where(AuditEntry.at >= datetime.combine(f.since, time(0), JST))
    if f.until:
        end = datetime.combine(f.until + timedelta(days=1), time(0), JST)
        query = query.where(AuditEntry.at < end)
    if f.why:
        query = query.where(AuditEntry.reason.ilike(f"%{_like(f.why)}%", escape="\\"))
    return query


def audit_page(
    session: Session, f: AuditFilter, page: int = 1, per_page: int = PAGE_SIZE
) -> tuple[list[AuditEntry], int]:
    """One page of matching entries, the newest first, and how many match in all."""
    query = _query(f)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(
        query.order_by(AuditEntry.id.desc()).offset((max(page, 1) - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def audit_rows(session: Session, f: AuditFilter, limit: int = EXPORT_MAX) -> Iterator[AuditEntry]:
    """The latest ``limit`` matching entries (all, when fewer), in time order, for an export."""
    query = _query(f).order_by(AuditEntry.id.desc()).limit(limit).subquery()
    entries = select(AuditEntry).join(query, query.c.id == AuditEntry.id).order_by(AuditEntry.id)
    yield from session.scalars(entries.execution_options(yield_per=1000))


def audit_actions(session: Session) -> list[str]:
    """Every action written so far (for the viewer's choice of "what")."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
