"""Contract periods (契約期間): the program is contracted one period at a time.

Each period has a name (``令和8年度``), a first and a last day (Tokyo dates,
both inclusive), plan targets per kind of support (visits and venues: a number
of events or of applicants, either one satisfies the plan) and the people
appointed for it: one general manager (総括責任者) and the site managers
(現場管理責任者). Periods never overlap, so a day belongs to at most one.

Public API (other features build on it; keep the names):

- ``current_period(session, on=None)``: THE current period, exactly one
  whenever any period exists: the one containing ``on`` (default: today in
  Tokyo); between two contracts, the last one that has begun; before the
  first one, the first one.
- ``period_for(session, day)``: the period containing ``day``, or None.
- ``list_periods(session)``: every period, the latest first.
- ``get_period(session, period_id)``.
- ``ContractPeriod.bounds()``: the period as ``[start, end)`` instants in
  Asia/Tokyo, for comparisons with ``UTCDateTime`` columns.
- ``ContractPeriod.targets``: ``{"visit": Targets, "venue": Targets}``.

Periods are data, edited in the console (``handlers/contract_periods.py``);
``city.yaml`` ``contracts:`` seeds them (``seed_from_city``: the migration that
creates the table, and ``flask --app bot contracts seed`` for entries added
later) and ``plan:`` gives the default targets of a period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.city import city
from models.events import EVENT_KINDS
from models.staff import Staff
from scheduler.business_calendar import JST

KINDS = EVENT_KINDS
TARGET_FIELDS = ("visit_events", "visit_applicants", "venue_events", "venue_applicants")
PERIODS_LOCK_ID = 0x6D796E62  # PostgreSQL advisory lock taken while periods are written


@dataclass(frozen=True)
class Targets:
    """A kind's plan: this many events held, or this many applicants served."""

    events: int
    applicants: int

    def met(self, events: int, applicants: int) -> bool:
        return events >= self.events or applicants >= self.applicants


class ContractPeriod(Base):
    __tablename__ = "contract_periods"
    __table_args__ = (
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    visit_events: Mapped[int] = mapped_column(Integer)
    visit_applicants: Mapped[int] = mapped_column(Integer)
    venue_events: Mapped[int] = mapped_column(Integer)
    venue_applicants: Mapped[int] = mapped_column(Integer)
    general_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    general_manager: Mapped[Staff | None] = relationship(lazy="joined")
    appointments: Mapped[list[SiteManagerAppointment]] = relationship(
        back_populates="period", cascade="all, delete-orphan", lazy="selectin",
        order_by="SiteManagerAppointment.id",
    )  # fmt: skip

    @property
    def site_managers(self) -> list[Staff]:
        return [a.staff for a in self.appointments]

    @property
    def targets(self) -> dict[str, Targets]:
        return {
            "visit": Targets(self.visit_events, self.visit_applicants),
            "venue": Targets(self.venue_events, self.venue_applicants),
        }

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def bounds(self) -> tuple[datetime, datetime]:
        """``[first day 00:00, the day after the last day 00:00)`` in Tokyo."""
        return (
            datetime.combine(self.starts_on, time(0), JST),
            datetime.combine(self.ends_on + timedelta(days=1), time(0), JST),
        )


class SiteManagerAppointment(Base):
    """A site manager (現場管理責任者) appointed for a contract period."""

    __tablename__ = "contract_site_managers"
    __table_args__ = (UniqueConstraint("period_id", "staff_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("contract_periods.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)

    period: Mapped[ContractPeriod] = relationship(back_populates="appointments")
    staff: Mapped[Staff] = relationship(lazy="joined")


# --- reading ------------------------------------------------------------------------


def tokyo_day(on: date | datetime | None = None) -> date:
    """A date as given; an instant (default: now) as its Tokyo calendar day."""
    if on is None:
        on = utcnow()
    if isinstance(on, datetime):
        return on.astimezone(JST).date()
    return on


def list_periods(session: Session) -> list[ContractPeriod]:
    """Every period, the latest first."""
    return list(session.scalars(select(ContractPeriod).order_by(ContractPeriod.starts_on.desc())))


def get_period(session: Session, period_id: int) -> ContractPeriod | None:
    return session.get(ContractPeriod, period_id)


def period_for(session: Session, day: date | datetime) -> ContractPeriod | None:
    """The period containing ``day`` (a Tokyo date; an instant is converted), or None."""
    day = tokyo_day(day)
    return session.scalars(
        select(ContractPeriod).where(ContractPeriod.starts_on <= day, ContractPeriod.ends_on >= day)
    ).first()


def current_period(session: Session, on: date | datetime | None = None) -> ContractPeriod | None:
    """The current period: exactly one whenever any period exists (None only if none does).

    The period containing ``on``; between two contracts, the latest that has
    begun (its figures stay current until the next one starts); before every
    period, the first one.
    """
    day = tokyo_day(on)
    found = period_for(session, day)
    if found is not None:
        return found
    begun = session.scalars(
        select(ContractPeriod)
        .where(ContractPeriod.starts_on <= day)
        .order_by(ContractPeriod.starts_on.desc())
    ).first()
    if begun is not None:
        return begun
    return session.scalars(select(ContractPeriod).order_by(ContractPeriod.starts_on)).first()


def unappointed_general_manager(session: Session, on: date | datetime | None = None) -> str | None:
    """The current period's name when it has no (active) general manager, else None."""
    period = current_period(session, on)
    if period is None:
        return None
    manager = period.general_manager
    return period.name if manager is None or not manager.active else None


def overlapping(
    session: Session, starts_on: date, ends_on: date, except_id: int | None = None
) -> list[ContractPeriod]:
    """Periods sharing at least one day with ``[starts_on, ends_on]``."""
    query = select(ContractPeriod).where(
        ContractPeriod.starts_on <= ends_on, ContractPeriod.ends_on >= starts_on
    )
    if except_id is not None:
        query = query.where(ContractPeriod.id != except_id)
    return list(session.scalars(query))


def lock_periods(session: Session) -> None:
    """Serialise writers of periods for this transaction, so that two people saving
    overlapping periods at once cannot both pass the overlap check. (SQLite's write
    transactions are serial already: BEGIN IMMEDIATE, ``models.db``.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PERIODS_LOCK_ID})


def find_by_name(session: Session, name: str) -> ContractPeriod | None:
    return session.scalars(select(ContractPeriod).where(ContractPeriod.name == name)).first()


# --- city.yaml ------------------------------------------------------------------------


def default_targets() -> dict[str, int]:
    """``city.yaml`` ``plan:`` as the four target fields of a period."""
    plan = city()["plan"]
    return {f"{kind}_{what}": int(plan[kind][what]) for kind in KINDS
            for what in ("events", "applicants")}  # fmt: skip


def configured_periods() -> list[dict[str, Any]]:
    """``city.yaml`` ``contracts:`` as column values (targets from ``plan:`` unless given)."""
    defaults = default_targets()
    out = []
    for entry in city().get("contracts") or []:
        row: dict[str, Any] = {
            "name": str(entry["name"]),
            "starts_on": date.fromisoformat(str(entry["start"])),
            "ends_on": date.fromisoformat(str(entry["end"])),
            **defaults,
        }
        for kind, targets in (entry.get("plan") or {}).items():
            for what, value in targets.items():
                row[f"{kind}_{what}"] = int(value)
        if row["ends_on"] <= row["starts_on"]:
            raise ValueError(f"city.yaml contracts {row['name']}: end must be after start")
        out.append(row)
    return out


def seed_from_city(session: Session) -> list[ContractPeriod]:
    """Add the ``city.yaml`` periods the database lacks; returns those added.

    A period whose name is already there, or whose days overlap a period
    already there, is left alone: what staff entered in the console wins.
    """
    lock_periods(session)
    added = []
    for row in configured_periods():
        if find_by_name(session, row["name"]) or overlapping(
            session, row["starts_on"], row["ends_on"]
        ):
            continue
        period = ContractPeriod(**row)
        session.add(period)
        session.flush()
        added.append(period)
    return added
