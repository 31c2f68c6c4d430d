"""Photos of a support event, with every face made unrecognisable (issue 12, point 2).

Only the blurred JPEG is ever stored: ``handlers.photo_privacy`` detects and blurs faces in
memory, strips EXIF by re-encoding from pixels, and hands back the bytes kept here. A photo
is ``pending`` until staff have looked at the result (and added blur boxes by hand where
the detector missed a face), then ``confirmed``; only confirmed photos go into a report
(``confirmed_photos``). ``removed`` keeps the row for the audit trail but drops the image.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow

PENDING, CONFIRMED, REMOVED = "pending", "confirmed", "removed"
PHOTO_STATUSES = (PENDING, CONFIRMED, REMOVED)
CAPTION_MAX = 200


class EventPhoto(Base):
    __tablename__ = "event_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("support_events.id", ondelete="CASCADE"), index=True
    )
    # The blurred, EXIF-free JPEG (never the original). Deferred: lists load it only on use.
    image: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str | None] = mapped_column(String(CAPTION_MAX))
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    faces_found: Mapped[int] = mapped_column(Integer, default=0)  # by the detector on upload
    boxes_added: Mapped[int] = mapped_column(Integer, default=0)  # blurred by hand afterwards
    uploaded_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    confirmed_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def target(self) -> str:
        """How the audit log names this photo."""
        return f"event_photo:{self.id}"


def add_photo(
    session: Session,
    event_id: int,
    image: bytes,
    width: int,
    height: int,
    *,
    account_id: int | None,
    caption: str | None = None,
    faces_found: int = 0,
) -> EventPhoto:
    """Store an already blurred photo as pending (the caller audits)."""
    photo = EventPhoto(
        event_id=event_id,
        image=image,
        width=width,
        height=height,
        caption=(caption or "").strip()[:CAPTION_MAX] or None,
        status=PENDING,
        faces_found=faces_found,
        boxes_added=0,
        uploaded_by_account_id=account_id,
    )
    session.add(photo)
    session.flush()
    return photo


def get_photo(session: Session, photo_id: int) -> EventPhoto | None:
    return session.get(EventPhoto, photo_id)


def photos_for_event(session: Session, event_id: int) -> list[EventPhoto]:
    """The event's photos that are not removed (pending and confirmed), oldest first."""
    query = (
        select(EventPhoto)
        .where(EventPhoto.event_id == event_id, EventPhoto.status != REMOVED)
        .order_by(EventPhoto.id)
    )
    return list(session.scalars(query))


def confirmed_photos(session: Session, event_ids: Iterable[int]) -> list[EventPhoto]:
    """Confirmed photos of these events, ordered by event then id: the only ones a report
    may show."""
    ids = sorted(set(event_ids))
    if not ids:
        return []
    query = (
        select(EventPhoto)
        .where(EventPhoto.event_id.in_(ids), EventPhoto.status == CONFIRMED)
        .order_by(EventPhoto.event_id, EventPhoto.id)
    )
    return list(session.scalars(query))


def replace_image(photo: EventPhoto, image: bytes, width: int, height: int) -> None:
    """After blurring a box by hand: the new bytes replace the old ones (the earlier
    version is not kept), and a confirmed photo needs confirming again."""
    photo.image = image
    photo.width, photo.height = width, height
    photo.boxes_added = (photo.boxes_added or 0) + 1
    if photo.status == CONFIRMED:
        photo.status = PENDING
        photo.confirmed_by_account_id = None
        photo.confirmed_at = None


def confirm(photo: EventPhoto, account_id: int | None) -> None:
    photo.status = CONFIRMED
    photo.confirmed_by_account_id = account_id
    photo.confirmed_at = utcnow()


def remove(photo: EventPhoto) -> None:
    """Removed photos keep their row (who uploaded, who removed: the audit log) but lose
    the image."""
    photo.status = REMOVED
    photo.image = b""
    photo.confirmed_at = None
