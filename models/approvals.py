"""Approvals recorded in the console: who approved what, and when.

The city approves events and visit requests (仕様書: visits are approved by
the city before they are scheduled); each approval is recorded with who
entered it, so the schedule can show who and when: a staff member in the
console (``staff_id`` and login), or a caller of the staff API (no staff id;
``login`` is the token's audit name, ``api:<hash>``).

Two kinds carry more than who and when:
- an event approval confirms that the event is not combined with political,
  religious or for-profit events (仕様書: 特定の政党、宗教又は営利を目的とした
  催し等と合わせた実施ではないこと), required for venue events
  (``not_combined``: True; None where the rule does not apply);
- a place's approval keeps who at the city approved, the day and the document
  on the place itself (``models.places``); its row here says who entered it;
- a visit without a city official (``OFFICIAL_WAIVER``, target: the event)
  carries the reason (``reason``, encrypted: it may describe a household).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, EncryptedText, UTCDateTime, utcnow

EVENT, VISIT_REQUEST, PLACE = "event", "visit_request", "place"
OFFICIAL_WAIVER = "official_waiver"  # a visit event allowed without a city official


class Approval(Base):
    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(20), index=True)  # event, visit_request
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    login: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Event approvals: confirmed not combined with political, religious or for-profit events.
    not_combined: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reason: Mapped[str | None] = mapped_column(EncryptedText)  # why (waivers)


def record_approval(
    session: Session, kind: str, target_id: int, *, staff_id: int | None, login: str,
    now: datetime, not_combined: bool | None = None, reason: str | None = None,
) -> Approval:
    approval = Approval(
        target_kind=kind, target_id=target_id, staff_id=staff_id, login=login, at=now,
        not_combined=not_combined, reason=reason,
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
