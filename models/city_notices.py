"""Notices to the city: a complaint reaches the city at once (仕様書: 遅延なく).

One row per complaint: the console alert for the city role (shown until
someone with the city's view acknowledges it) and the e-mail-style notice
queued in the outbox to the city's contact (``city.yaml`` ``contacts.
complaints_email``). The summary is redacted (``handlers.city_notice``):
no names, phone numbers, My Numbers or application ids. ``emailed_at`` is
set by the e-mail sender when the message has gone out, so the case shows
when the city was told, by either route.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, EncryptedText, UTCDateTime, utcnow

COMPLAINT = "complaint"


class CityNotice(Base):
    __tablename__ = "city_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(
        ForeignKey("inquiries.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default=COMPLAINT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    summary: Mapped[str | None] = mapped_column(EncryptedText)  # redacted
    recipient: Mapped[str | None] = mapped_column(String(200))  # the city's address
    outbox_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the outbox is purged
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str | None] = mapped_column(String(80))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))


def notice_for(session: Session, inquiry_id: int, kind: str = COMPLAINT) -> CityNotice | None:
    return session.scalars(
        select(CityNotice)
        .where(CityNotice.inquiry_id == inquiry_id, CityNotice.kind == kind)
        .order_by(CityNotice.id)
    ).first()


def notices_of(session: Session, inquiry_ids: list[int]) -> dict[int, CityNotice]:
    """The (first) notice of each inquiry."""
    if not inquiry_ids:
        return {}
    rows = session.scalars(
        select(CityNotice)
        .where(CityNotice.inquiry_id.in_(inquiry_ids))
        .order_by(CityNotice.id.desc())
    )
    return {n.inquiry_id: n for n in rows}


def unacknowledged(session: Session) -> list[CityNotice]:
    return list(
        session.scalars(
            select(CityNotice)
            .where(CityNotice.acknowledged_at.is_(None))
            .order_by(CityNotice.created_at, CityNotice.id)
        )
    )


def unacknowledged_marker(session: Session) -> dict[str, int]:
    """What console pages poll: how many alerts are open and the newest id (no text)."""
    open_ = CityNotice.acknowledged_at.is_(None)
    return {
        "open": int(session.scalar(select(func.count(CityNotice.id)).where(open_)) or 0),
        "newest": int(session.scalar(select(func.max(CityNotice.id))) or 0),
    }


def acknowledge(session: Session, notice: CityNotice, who: str, now: datetime) -> bool:
    """False when someone acknowledged it already (the first one is kept)."""
    if notice.acknowledged_at is not None:
        return False
    notice.acknowledged_at, notice.acknowledged_by = now, who
    return True


def mark_emailed(session: Session, notice_id: int, now: datetime) -> None:
    session.execute(
        update(CityNotice)
        .where(CityNotice.id == notice_id, CityNotice.emailed_at.is_(None))
        .values(emailed_at=now, email_error=None)
    )


def mark_email_failed(session: Session, notice_id: int, error: str) -> None:
    session.execute(
        update(CityNotice).where(CityNotice.id == notice_id).values(email_error=error[:80])
    )
