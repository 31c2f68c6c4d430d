"""Bookings of venue places, the waiting list, and booking codes.

Invariants held by the database itself, not only by the code:
- a slot is never over-booked (``reserve`` is one conditional UPDATE and a
  CHECK constraint backs it);
- one active booking per resident per event (a partial unique index);
- a booking code is unique.
``book``, ``move_booking`` and ``cancel_booking`` each work inside the
caller's unit of work (one transaction per event); a savepoint undoes a
half-made booking when the database refuses it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import events as ev
from models.base import Base, EncryptedText, UTCDateTime, utcnow
from models.events import OPEN, Slot, SupportEvent, release, reserve

ACTIVE, CANCELLED, DONE, NO_SHOW = "active", "cancelled", "done", "no_show"
BOOKING_STATUSES = (ACTIVE, CANCELLED, DONE, NO_SHOW)
WAITING, OFFERED, WITHDRAWN, TOOK_PLACE = "waiting", "offered", "withdrawn", "booked"
# A waiting-list entry ends "expired" when its event starts or is cancelled
# without a place for it, or when an offered place was not taken in time.
EXPIRED = "expired"
# No 0/O, 1/I/L: a code read out on the phone or copied by hand stays unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6

# Outcomes of book / move / resize (also the API's error codes).
BOOKED, MOVED, FULL, ALREADY_BOOKED, CLOSED, SAME_SLOT = (
    "booked", "moved", "full", "already_booked", "event_closed", "same_slot",
)  # fmt: skip
RESIZED, SAME_SIZE = "resized", "same_size"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What a resident types (lower case, spaces, hyphens) to a stored code."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in folded if ch.isalnum())


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_active_resident_event",
            "resident_id",
            "event_id",
            unique=True,
            sqlite_where=text(f"status = '{ACTIVE}'"),
            postgresql_where=text(f"status = '{ACTIVE}'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("support_events.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    party_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=ACTIVE, index=True)
    channel: Mapped[str] = mapped_column(String(16))  # line, voice, sms, sandbox, staff
    phone: Mapped[str | None] = mapped_column(EncryptedText)  # optional follow-up number
    # Why they come: "first" application or card "renewal" (models/booking_reasons.py);
    # None when nobody asked (staff and API bookings, rows older than issue 14).
    reason: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot: Mapped[Slot] = relationship(lazy="joined")
    event: Mapped[SupportEvent] = relationship(lazy="joined")


class WaitingListEntry(Base):
    __tablename__ = "waiting_list"
    __table_args__ = (
        Index(
            "uq_waiting_list_resident_event",
            "resident_id",
            "event_id",
            unique=True,
            sqlite_where=text(f"status = '{WAITING}'"),
            postgresql_where=text(f"status = '{WAITING}'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("support_events.id"), index=True)
    party_size: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default=WAITING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class BookingResult:
    outcome: str
    booking: Booking | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (BOOKED, MOVED, RESIZED)


def active_booking(session: Session, resident_id: int, event_id: int) -> Booking | None:
    return session.scalars(
        select(Booking).where(
            Booking.resident_id == resident_id,
            Booking.event_id == event_id,
            Booking.status == ACTIVE,
        )
    ).first()


def book(
    session: Session,
    *,
    resident_id: int,
    slot_id: int,
    party_size: int,
    channel: str,
    phone: str | None = None,
    reason: str | None = None,
) -> BookingResult:
    """Reserve and record a booking, or say why not (full, already booked, closed)."""
    slot = session.get(Slot, slot_id)
    if slot is None or slot.event.status != OPEN:
        return BookingResult(CLOSED)
    existing = active_booking(session, resident_id, slot.event_id)
    if existing is not None:
        return BookingResult(ALREADY_BOOKED, existing)
    for _ in range(5):  # a code collision is retried with a fresh code
        try:
            with session.begin_nested():
                if not reserve(session, slot_id, party_size):
                    return BookingResult(FULL)
                booking = Booking(
                    code=new_code(),
                    resident_id=resident_id,
                    event_id=slot.event_id,
                    slot_id=slot_id,
                    party_size=party_size,
                    channel=channel,
                    phone=phone,
                    reason=reason,
                )
                session.add(booking)
                session.flush()
            return BookingResult(BOOKED, booking)
        except IntegrityError:
            # The savepoint undid the reservation too. A second active booking
            # for this event (a double tap racing itself) is not retried.
            existing = active_booking(session, resident_id, slot.event_id)
            if existing is not None:
                return BookingResult(ALREADY_BOOKED, existing)
    raise RuntimeError("could not allocate a unique booking code")


def move_booking(session: Session, booking: Booking, new_slot_id: int) -> BookingResult:
    """Move an active booking to another slot atomically (both counters or neither)."""
    if booking.slot_id == new_slot_id:
        return BookingResult(SAME_SLOT, booking)
    target = session.get(Slot, new_slot_id)
    if target is None or target.event.status != OPEN or booking.status != ACTIVE:
        return BookingResult(CLOSED, booking)
    if target.event_id != booking.event_id:
        other = active_booking(session, booking.resident_id, target.event_id)
        if other is not None:
            return BookingResult(ALREADY_BOOKED, other)
    old_slot_id = booking.slot_id
    try:
        with session.begin_nested():
            if not reserve(session, new_slot_id, booking.party_size):
                return BookingResult(FULL, booking)
            release(session, old_slot_id, booking.party_size)
            booking.slot_id = new_slot_id
            booking.event_id = target.event_id
            booking.reminded_at = None
            session.flush()
    except IntegrityError:
        session.refresh(booking)
        return BookingResult(ALREADY_BOOKED, booking)
    session.refresh(booking, ["slot", "event"])
    return BookingResult(MOVED, booking)


def resize_booking(session: Session, booking: Booking, party_size: int) -> BookingResult:
    """Change how many people come on an active booking: more places are taken from
    the slot in one statement (FULL when they are not there), fewer are given back."""
    if booking.status != ACTIVE or booking.event.status != OPEN:
        return BookingResult(CLOSED, booking)
    extra = party_size - booking.party_size
    if extra == 0:
        return BookingResult(SAME_SIZE, booking)
    if extra > 0 and not reserve(session, booking.slot_id, extra):
        return BookingResult(FULL, booking)
    if extra < 0:
        release(session, booking.slot_id, -extra)
    booking.party_size = party_size
    session.flush()
    return BookingResult(RESIZED, booking)


def cancel_booking(session: Session, booking: Booking, now: datetime) -> bool:
    """Cancel and free the places at once; False when it was not active."""
    if booking.status != ACTIVE:
        return False
    booking.status = CANCELLED
    booking.cancelled_at = now
    session.flush()
    release(session, booking.slot_id, booking.party_size)
    return True


def resident_bookings(session: Session, resident_id: int, now: datetime) -> list[Booking]:
    """Active bookings still to come, soonest first."""
    return list(
        session.scalars(
            select(Booking)
            .join(Slot, Slot.id == Booking.slot_id)
            .where(
                Booking.resident_id == resident_id,
                Booking.status == ACTIVE,
                Slot.ends_at > now,
            )
            .order_by(Slot.starts_at)
        )
    )


def find_by_code(session: Session, code: str) -> Booking | None:
    return session.scalars(select(Booking).where(Booking.code == normalize_code(code))).first()


def join_waiting_list(
    session: Session, resident_id: int, event_id: int, party_size: int = 1
) -> WaitingListEntry:
    """Add the resident to the event's waiting list (once; a second join is a no-op)."""
    found = session.scalars(
        select(WaitingListEntry).where(
            WaitingListEntry.resident_id == resident_id,
            WaitingListEntry.event_id == event_id,
            WaitingListEntry.status == WAITING,
        )
    ).first()
    if found is not None:
        return found
    entry = WaitingListEntry(resident_id=resident_id, event_id=event_id, party_size=party_size)
    session.add(entry)
    session.flush()
    return entry


def next_waiting(session: Session, event_id: int, places: int) -> WaitingListEntry | None:
    """The first resident waiting for this event whose party fits in ``places``."""
    return session.scalars(
        select(WaitingListEntry)
        .where(
            WaitingListEntry.event_id == event_id,
            WaitingListEntry.status == WAITING,
            WaitingListEntry.party_size <= places,
        )
        .order_by(WaitingListEntry.created_at, WaitingListEntry.id)
        .limit(1)
    ).first()


def offered_events(session: Session, resident_id: int) -> list[int]:
    """Events where a place was offered to this resident from the waiting list."""
    return list(
        session.scalars(
            select(WaitingListEntry.event_id).where(
                WaitingListEntry.resident_id == resident_id, WaitingListEntry.status == OFFERED
            )
        )
    )


def settle_waiting(session: Session, resident_id: int, event_id: int) -> None:
    """The resident booked the event: their waiting-list entry is done with."""
    for entry in session.scalars(
        select(WaitingListEntry).where(
            WaitingListEntry.resident_id == resident_id,
            WaitingListEntry.event_id == event_id,
            WaitingListEntry.status.in_((WAITING, OFFERED)),
        )
    ):
        entry.status = TOOK_PLACE


def waiting_entries_to_close(session: Session, now: datetime) -> list[WaitingListEntry]:
    """Entries still waiting (or offered) for an event that has started or was cancelled."""
    return list(
        session.scalars(
            select(WaitingListEntry)
            .join(SupportEvent, SupportEvent.id == WaitingListEntry.event_id)
            .where(
                WaitingListEntry.status.in_((WAITING, OFFERED)),
                (SupportEvent.starts_at <= now) | (SupportEvent.status == ev.CANCELLED),
            )
            .order_by(WaitingListEntry.id)
        )
    )


def lapsed_offers(session: Session, offered_before: datetime) -> list[WaitingListEntry]:
    """Places offered from the waiting list before ``offered_before`` and not taken."""
    return list(
        session.scalars(
            select(WaitingListEntry)
            .where(WaitingListEntry.status == OFFERED, WaitingListEntry.offered_at < offered_before)
            .order_by(WaitingListEntry.offered_at, WaitingListEntry.id)
        )
    )
