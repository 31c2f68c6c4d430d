"""Approvals recorded in the console: who approved what, and when.

The city approves events and visit requests (仕様書: visits are approved by
the city before they are scheduled); each approval is recorded with who
entered it, so the schedule can show who and when: a staff member in the
console (``staff_id`` and login), or a caller of the staff API (no staff id;
``login`` is the token's audit name, ``api:<hash>``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow

EVENT, VISIT_REQUEST = "event", "visit_request"


class Approval(Base):
    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(20), index=True)  # event, visit_request
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    login: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def record_approval(
    session: Session, kind: str, target_id: int, *, staff_id: int | None, login: str,
    now: datetime,
) -> Approval:
    approval = Approval(
        target_kind=kind, target_id=target_id, staff_id=staff_id, login=login, at=now
    )
    session.add(approval)
    session.flush()
    return approval


def approvals_of(session: Session, kind: str, ids: list[int]) -> dict[int, Approval]:
    """The latest approval of each target."""
    if not ids:
        return {}
    rows = session.scalars(
        select(Approval)
        .where(Approval.target_kind == kind, Approval.target_id.in_(ids))
        .order_by(Approval.id)
    )
    return {a.target_id: a for a in rows}
