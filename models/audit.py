"""Audit log: every look at, export of or purge of personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow


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
