"""Announcements staff send to residents of some areas (issue 14).

Life: draft → pending (submitted for approval) → approved (scheduled) →
sending (recipients fixed, outbox rows written) → sent; a pending or
approved one may be cancelled, and a send the clock finds over LINE's
monthly quota is held. Each step is one conditional UPDATE on the status,
so a double click or two clocks never approve or dispatch twice.

``AnnouncementRecipient`` is one resident per announcement (unique), with
the outbox row that carries their message: a LINE multicast of at most 500
(``outbox_id`` shared by the batch) or one SMS. The clock copies the outbox
outcome onto the recipients (``settle``) and, seven days after the send,
freezes the number of bookings that followed, so the stats survive the
retention purge that later erases who the recipients were.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow

DRAFT, PENDING, APPROVED, SENDING, SENT, HELD, CANCELLED = (
    "draft", "pending", "approved", "sending", "sent", "held", "cancelled",
)  # fmt: skip
STATUSES = (DRAFT, PENDING, APPROVED, SENDING, SENT, HELD, CANCELLED)
EDITABLE = (DRAFT, PENDING, HELD)
# Recipient statuses.
R_PENDING, R_SENT, R_FAILED, R_BLOCKED = "pending", "sent", "failed", "blocked"
BOOKING_WINDOW = timedelta(days=7)


class Announcement(Base):
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A public notice: no personal data in it (the composer is told so).
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("support_events.id"))
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT, index=True)
    note: Mapped[str | None] = mapped_column(String(40))  # why it is held (a code)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(String(80))
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counts fixed when it is sent (the recipients' links are erased later).
    targeted: Mapped[int | None] = mapped_column(Integer)
    bookings_7d: Mapped[int | None] = mapped_column(Integer)


class AnnouncementRecipient(Base):
    __tablename__ = "announcement_recipients"
    __table_args__ = (UniqueConstraint("announcement_id", "resident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), index=True
    )
    # Erased by the retention purge once the stats are frozen.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # line | sms
    status: Mapped[str] = mapped_column(String(10), default=R_PENDING, index=True)
    error: Mapped[str | None] = mapped_column(String(40))  # a code, never text
    outbox_id: Mapped[int | None] = mapped_column(Integer, index=True)


def get_announcement(session: Session, announcement_id: int) -> Announcement | None:
    return session.get(Announcement, announcement_id)


def list_announcements(session: Session, limit: int = 100) -> list[Announcement]:
    return list(
        session.scalars(select(Announcement).order_by(Announcement.id.desc()).limit(limit))
    )


def move(session: Session, announcement_id: int, src: tuple[str, ...], dst: str, **values: Any) -> bool:
    """One conditional UPDATE: the status changes only from one of ``src``."""
    result = session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id, Announcement.status.in_(src))
        .values(status=dst, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return result.rowcount == 1


def due(session: Session, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(Announcement.id).where(
                Announcement.status == APPROVED, Announcement.scheduled_at <= now
            )
        )
    )


def reserved_line_messages(session: Session, exclude: int | None = None) -> int:
    """LINE messages approved but not yet sent: they will use the month's quota too."""
    from models.notices import audience

    total = 0
    for a in session.scalars(select(Announcement).where(Announcement.status == APPROVED)):
        if a.id != exclude and "line" in (a.channels or []):
            total += len(audience(session, a.areas or [], ["line"]).line)
    return total


def counts(session: Session, announcement_id: int) -> dict[str, int]:
    rows = session.execute(
        select(AnnouncementRecipient.channel, AnnouncementRecipient.status, func.count())
        .where(AnnouncementRecipient.announcement_id == announcement_id)
        .group_by(AnnouncementRecipient.channel, AnnouncementRecipient.status)
    ).all()
    out: dict[str, int] = {}
    for channel, status, n in rows:
        out[status] = out.get(status, 0) + n
        out[f"{channel}_{status}"] = n
    return out


def failures(session: Session, announcement_id: int) -> dict[str, int]:
    rows = session.execute(
        select(AnnouncementRecipient.error, func.count())
        .where(
            AnnouncementRecipient.announcement_id == announcement_id,
            AnnouncementRecipient.status.in_((R_FAILED, R_BLOCKED)),
        )
        .group_by(AnnouncementRecipient.error)
    ).all()
    return {error or "unknown": n for error, n in rows}


def bookings_after(session: Session, announcement: Announcement) -> int:
    """Venue bookings and visit requests recipients made within 7 days of the send."""
    from models.bookings import Booking
    from models.visits import VisitRequest

    if announcement.dispatched_at is None:
        return 0
    start, end = announcement.dispatched_at, announcement.dispatched_at + BOOKING_WINDOW
    recipients = select(AnnouncementRecipient.resident_id).where(
        AnnouncementRecipient.announcement_id == announcement.id,
        AnnouncementRecipient.status == R_SENT,
    )
    n = 0
    for model in (Booking, VisitRequest):
        n += session.scalar(
            select(func.count()).select_from(model).where(
                model.resident_id.in_(recipients), model.created_at >= start, model.created_at < end
            )
        ) or 0
    return n
