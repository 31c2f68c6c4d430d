"""Support events (jisshi-kai) and their time slots, and reserving places.

Times are stored as UTC instants (``UTCDateTime``); the program runs in
Asia/Tokyo, so ``local()`` converts for display and for the calendar rules.
A slot has a capacity (counters × time) and a ``booked`` counter. Reserving
is ONE conditional UPDATE (``booked + n <= capacity`` on an open event): the
database decides who gets the last place, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    and_,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, EncryptedText, UTCDateTime, utcnow
from models.places import Place
from scheduler.business_calendar import JST

VISIT, VENUE = "visit", "venue"
EVENT_KINDS = (VISIT, VENUE)
PLANNED, APPROVED, OPEN, DONE, CANCELLED = "planned", "approved", "open", "done", "cancelled"
EVENT_STATUSES = (PLANNED, APPROVED, OPEN, DONE, CANCELLED)
# Allowed status changes; anything else is refused with "bad_transition".
TRANSITIONS: dict[str, tuple[str, ...]] = {
    PLANNED: (APPROVED, CANCELLED),
    APPROVED: (OPEN, CANCELLED),
    OPEN: (DONE, CANCELLED),
    DONE: (),
    CANCELLED: (),
}
LIVE = (PLANNED, APPROVED, OPEN)  # statuses that occupy staff and places


def local(dt: datetime) -> datetime:
    """An instant as Tokyo wall-clock time."""
    return dt.astimezone(JST)


class SupportEvent(Base):
    __tablename__ = "support_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=PLANNED, index=True)
    note: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    place: Mapped[Place] = relationship(lazy="joined")
    slots: Mapped[list[Slot]] = relationship(
        back_populates="event", order_by="Slot.starts_at", lazy="select"
    )


class Slot(Base):
    __tablename__ = "slots"
    __table_args__ = (
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("support_events.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[SupportEvent] = relationship(back_populates="slots")

    @property
    def places_left(self) -> int:
        return self.capacity - self.booked


@dataclass(frozen=True)
class EventSummary:
    event: SupportEvent
    places_left: int


def reserve(session: Session, slot_id: int, n: int) -> bool:
    """Take ``n`` places in an open event's slot; False when they are not there.

    One statement: concurrent callers queue on the row lock, and each sees
    the others' increments before its condition is checked.
    """
    if n < 1:
        raise ValueError("party size must be at least 1")
    open_events = select(SupportEvent.id).where(SupportEvent.status == OPEN)
    result = session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked + n <= Slot.capacity, Slot.event_id.in_(open_events))
        .values(booked=Slot.booked + n)
        .execution_options(synchronize_session=False)
    )
    taken = result.rowcount == 1
    if taken:
        _refresh(session, slot_id)
    return taken


def release(session: Session, slot_id: int, n: int) -> None:
    """Give ``n`` places back (never below zero)."""
    session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked >= n)
        .values(booked=Slot.booked - n)
        .execution_options(synchronize_session=False)
    )
    _refresh(session, slot_id)


def set_capacity(session: Session, slot_id: int, capacity: int) -> bool:
    """Change a slot's capacity unless it would fall below what is booked."""
    result = session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked <= capacity)
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    _refresh(session, slot_id)
    return result.rowcount == 1


def _refresh(session: Session, slot_id: int) -> None:
    # Only a slot already loaded in this session needs its counter re-read.
    slot = session.identity_map.get(session.identity_key(Slot, slot_id))
    if slot is not None:
        session.refresh(slot, ["booked", "capacity"])


def get_event(session: Session, event_id: int) -> SupportEvent | None:
    return session.get(SupportEvent, event_id)


def get_slot(session: Session, slot_id: int) -> Slot | None:
    return session.get(Slot, slot_id)


def upcoming_events(
    session: Session, now: datetime, kind: str = VENUE, limit: int = 12
) -> list[EventSummary]:
    """Open events still to come, soonest first, with the places left in future slots."""
    left = func.coalesce(func.sum(Slot.capacity - Slot.booked), 0)
    rows = session.execute(
        select(SupportEvent, left)
        .outerjoin(Slot, and_(Slot.event_id == SupportEvent.id, Slot.starts_at > now))
        .where(
            SupportEvent.kind == kind,
            SupportEvent.status == OPEN,
            SupportEvent.ends_at > now,
        )
        .group_by(SupportEvent.id)
        .order_by(SupportEvent.starts_at, SupportEvent.id)
        .limit(limit)
    ).all()
    return [EventSummary(event, int(n)) for event, n in rows]


def free_slots(session: Session, event_id: int, now: datetime, n: int = 1) -> list[Slot]:
    """Future slots of an open event with at least ``n`` places left."""
    return list(
        session.scalars(
            select(Slot)
            .join(SupportEvent, SupportEvent.id == Slot.event_id)
            .where(
                Slot.event_id == event_id,
                SupportEvent.status == OPEN,
                Slot.starts_at > now,
                Slot.capacity - Slot.booked >= n,
            )
            .order_by(Slot.starts_at, Slot.id)
        )
    )


def open_slots_across(session: Session, now: datetime, kind: str = VENUE) -> list[Slot]:
    """Every future slot with a place left, across all open events (one query)."""
    return list(
        session.scalars(
            select(Slot)
            .join(SupportEvent, SupportEvent.id == Slot.event_id)
            .where(
                SupportEvent.kind == kind,
                SupportEvent.status == OPEN,
                Slot.starts_at > now,
                Slot.booked < Slot.capacity,
            )
            .order_by(Slot.starts_at, Slot.id)
        )
    )


def events_between(session: Session, start: datetime, end: datetime) -> list[SupportEvent]:
    """Events starting in [start, end), any status, in time order."""
    return list(
        session.scalars(
            select(SupportEvent)
            .where(SupportEvent.starts_at >= start, SupportEvent.starts_at < end)
            .order_by(SupportEvent.starts_at, SupportEvent.id)
        )
    )
