"""Places where the program works: pop-up venues, welfare facilities, homes.

Names, addresses and phone numbers are personal for a home (and harmless for
a venue); every one is encrypted, so there is one rule and no exceptions.
A place carries its area (one of the city's 17, ``models/areas.py``) and
whether the city has approved it; a venue also has opening hours (Asia/Tokyo).

The city's approval of a place is kept with it: who at the city approved
(``city_approver``), on which day (``approved_on``) and the document it was
given in (``approval_ref``); who entered it is in ``approvals`` and the audit
log (``handlers.place_ops``). A place no longer used is archived, never
deleted: its past events keep pointing at it. ``demo`` marks the sandbox's
demo city (``bot/sandbox/seed.py``).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, Integer, String, false, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, EncryptedText, UTCDateTime, utcnow

VENUE, FACILITY, HOME = "venue", "facility", "home"
PLACE_KINDS = (VENUE, FACILITY, HOME)


class Place(Base):
    __tablename__ = "places"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(EncryptedText)
    address: Mapped[str | None] = mapped_column(EncryptedText)
    postal_code: Mapped[str | None] = mapped_column(String(7))
    area: Mapped[str | None] = mapped_column(String(20), index=True)  # areas.yaml code
    approved_by_city: Mapped[bool] = mapped_column(Boolean, default=False)
    # Venue opening hours, local Tokyo clock ("HH:MM"); None for homes.
    opens: Mapped[str | None] = mapped_column(String(5))
    closes: Mapped[str | None] = mapped_column(String(5))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    note: Mapped[str | None] = mapped_column(EncryptedText)
    # The city's approval: who at the city (a name, encrypted), the day, the document.
    city_approver: Mapped[str | None] = mapped_column(EncryptedText)
    approved_on: Mapped[date | None] = mapped_column(Date)
    approval_ref: Mapped[str | None] = mapped_column(String(100))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def hours(self) -> tuple[time, time] | None:
        if not (self.opens and self.closes):
            return None
        return time.fromisoformat(self.opens), time.fromisoformat(self.closes)


def list_places(
    session: Session, kind: str | None = None, *, kinds: tuple[str, ...] = (),
    archived: bool | None = None,
) -> list[Place]:  # fmt: skip
    """Places by id; ``archived`` False: in use only, True: archived only, None: all."""
    query = select(Place).order_by(Place.id)
    if kind:
        query = query.where(Place.kind == kind)
    if kinds:
        query = query.where(Place.kind.in_(kinds))
    if archived is not None:
        query = query.where(
            Place.archived_at.is_not(None) if archived else Place.archived_at.is_(None)
        )
    return list(session.scalars(query))
