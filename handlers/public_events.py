"""The public list of venue dates (issue 14): the /events page, its feeds and the flyer.

Only what anyone may read: venue-type support events the city approved
(approved or open for booking) at venues the city approved, still to come.
Never a visit (a home or a facility), never a booking or a staff name;
places left are a count. The LINE add-friend link is city.yaml's
``publicity.line_add_friend_url`` or, when empty, LINE's own link for the
account's basic ID (``https://line.me/R/ti/p/@...``); the QR code is drawn
by the ``qrcode`` package as SVG (no image library, scales for print).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from handlers.booking_views import area_name, when
from models.city import city
from models.events import APPROVED, OPEN, VENUE, Slot, SupportEvent
from models.places import VENUE as VENUE_PLACE
from models.places import Place
from scheduler.business_calendar import JST


@dataclass(frozen=True)
class PublicEvent:
    id: int
    starts_at: datetime
    ends_at: datetime
    w: dict
    place: str
    address: str
    area: str
    places_left: int
    bookable: bool  # open for booking now (approved events open later)

    def as_json(self) -> dict:
        return {"id": self.id, "start": self.starts_at.astimezone(JST).isoformat(),
                "end": self.ends_at.astimezone(JST).isoformat(), "place": self.place,
                "address": self.address, "area": self.area, "placesLeft": self.places_left,
                "bookable": self.bookable}  # fmt: skip


def _query(session: Session, start: datetime, end: datetime | None, now: datetime):
    left = func.coalesce(func.sum(Slot.capacity - Slot.booked), 0)
    query = (
        select(SupportEvent, left)
        .join(Place, Place.id == SupportEvent.place_id)
        .outerjoin(Slot, and_(Slot.event_id == SupportEvent.id, Slot.starts_at > now))
        .where(
            SupportEvent.kind == VENUE,
            SupportEvent.status.in_((APPROVED, OPEN)),
            Place.kind == VENUE_PLACE,
            Place.approved_by_city.is_(True),
            SupportEvent.ends_at > max(start, now),
        )
        .group_by(SupportEvent.id)
        .order_by(SupportEvent.starts_at, SupportEvent.id)
    )
    if end is not None:
        query = query.where(SupportEvent.starts_at < end)
    return [
        PublicEvent(e.id, e.starts_at, e.ends_at, when(e.starts_at, e.ends_at), e.place.name,
                    e.place.address or "", area_name(e.place.area), int(n), e.status == OPEN)
        for e, n in session.execute(query).all()
    ]  # fmt: skip


def upcoming(session: Session, now: datetime, limit: int = 100) -> list[PublicEvent]:
    return _query(session, now, None, now)[:limit]


def in_month(session: Session, month: date, now: datetime) -> list[PublicEvent]:
    """The month's events still to come (a flyer printed mid-month lists what is left)."""
    start = datetime.combine(month.replace(day=1), time(0), JST)
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    end = datetime.combine(nxt, time(0), JST)
    return _query(session, start, end, now)


def add_friend_url(basic_id: str | None) -> str:
    configured = str((city().get("publicity") or {}).get("line_add_friend_url") or "").strip()
    if configured:
        return configured
    return f"https://line.me/R/ti/p/{quote(basic_id, safe='@')}" if basic_id else ""


def qr_svg(url: str) -> str:
    """An SVG QR code for ``url`` (error correction M: survives a smudged print)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathImage)  # fmt: skip
    code.add_data(url)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode")
