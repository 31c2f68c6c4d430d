"""Staff, their assignments to events, and the program's staffing rules.

Roles (from the specification; Japanese names in docs/bookings.md):
general_manager, site_manager (must be approved by the city), worker, city_official.
Rules, each answered by a machine-readable code (the API maps codes to HTTP
statuses, templates to words):
- nobody without a signed confidentiality pledge is assigned;
- a site manager must be approved by the city;
- nobody is in two places at once (overlapping live events);
- city staff work on business days, in business hours only;
- an event opens only with two or more of the contractor's people on site
  (仕様書: 「２人以上の業務従事者を配置」), ONE OF THEM the city-approved site
  manager (「実施会場ごとに現場に常駐し、本市の承認を受けた現場管理責任者を配置」):
  two people are enough when one is the site manager; city officials are
  not counted;
- a visit is accompanied by a city official as a rule (原則): without one it
  opens only when the exception was recorded with its reason and approver
  (``models.approvals.OFFICIAL_WAIVER``, ``handlers.schedule_ops.waive_city_official``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.approvals import OFFICIAL_WAIVER, approvals_of
from models.base import Base, EncryptedText, UTCDateTime, utcnow
from models.events import LIVE, VISIT, SupportEvent
from scheduler.business_calendar import validate_visit_window

GENERAL_MANAGER, SITE_MANAGER, WORKER, CITY_OFFICIAL = (
    "general_manager", "site_manager", "worker", "city_official",
)  # fmt: skip
ROLES = (GENERAL_MANAGER, SITE_MANAGER, WORKER, CITY_OFFICIAL)
# Which assignment roles a person of each role may fill on an event.
CAN_ACT_AS: dict[str, frozenset[str]] = {
    GENERAL_MANAGER: frozenset({GENERAL_MANAGER, SITE_MANAGER, WORKER}),
    SITE_MANAGER: frozenset({SITE_MANAGER, WORKER}),
    WORKER: frozenset({WORKER}),
    CITY_OFFICIAL: frozenset({CITY_OFFICIAL}),
}
MIN_WORKERS = 2  # the contractor's people on site, the site manager included
ON_SITE = frozenset({GENERAL_MANAGER, SITE_MANAGER, WORKER})  # roles counted as 業務従事者

NO_PLEDGE = "no_confidentiality_pledge"
SITE_MANAGER_NOT_APPROVED = "site_manager_not_approved"
ROLE_NOT_HELD = "role_not_held"
STAFF_INACTIVE = "staff_inactive"
DOUBLE_BOOKED = "staff_double_booked"
ALREADY_ASSIGNED = "already_assigned"
CITY_STAFF_HOURS = "city_staff_business_hours_only"
NEEDS_TWO_WORKERS = "needs_two_workers"
NEEDS_SITE_MANAGER = "needs_approved_site_manager"
NEEDS_CITY_OFFICIAL = "needs_city_official"


class RuleViolation(Exception):
    """A rule of the program refuses the change; ``codes`` say which."""

    def __init__(
        self, *codes: str, field: str | None = None, by_field: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(", ".join(codes))
        self.codes = list(codes)
        self.field = field  # the input the first code is about, when one is
        # Each input and the codes about it, for forms that show errors next to fields.
        self.by_field = by_field or ({field: list(codes)} if field else {})


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    role: Mapped[str] = mapped_column(String(20))
    approved_by_city: Mapped[bool] = mapped_column(Boolean, default=False)
    pledge_signed_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # sandbox
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("event_id", "staff_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("support_events.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff] = relationship(lazy="joined")
    event: Mapped[SupportEvent] = relationship(lazy="joined")


def overlapping(
    session: Session, staff_id: int, starts_at: datetime, ends_at: datetime, except_event: int
) -> list[SupportEvent]:
    """Live events of this person that overlap [starts_at, ends_at)."""
    return list(
        session.scalars(
            select(SupportEvent)
            .join(Assignment, Assignment.event_id == SupportEvent.id)
            .where(
                Assignment.staff_id == staff_id,
                SupportEvent.id != except_event,
                SupportEvent.status.in_(LIVE),
                SupportEvent.starts_at < ends_at,
                SupportEvent.ends_at > starts_at,
            )
        )
    )


def assignment_errors(
    session: Session, staff: Staff, event: SupportEvent, role: str, *, new: bool = True
) -> list[str]:
    """Every rule an assignment of ``staff`` as ``role`` to ``event`` breaks."""
    errors: list[str] = []
    if not staff.active:
        errors.append(STAFF_INACTIVE)
    if staff.pledge_signed_on is None:
        errors.append(NO_PLEDGE)
    if role not in CAN_ACT_AS.get(staff.role, frozenset()):
        errors.append(ROLE_NOT_HELD)
    if role == SITE_MANAGER and not staff.approved_by_city:
        errors.append(SITE_MANAGER_NOT_APPROVED)
    if staff.role == CITY_OFFICIAL and validate_visit_window(event.starts_at, event.ends_at):
        errors.append(CITY_STAFF_HOURS)
    if new and session.scalars(
        select(Assignment.id).where(
            Assignment.event_id == event.id, Assignment.staff_id == staff.id
        )
    ).first():
        errors.append(ALREADY_ASSIGNED)
    if overlapping(session, staff.id, event.starts_at, event.ends_at, event.id):
        errors.append(DOUBLE_BOOKED)
    return errors


def assign(session: Session, staff_id: int, event: SupportEvent, role: str) -> Assignment:
    """Assign after checking every rule; raises RuleViolation."""
    # Lock the person: two concurrent assignments of one person serialise here.
    staff = session.scalars(select(Staff).where(Staff.id == staff_id).with_for_update()).one()
    errors = assignment_errors(session, staff, event, role)
    if errors:
        raise RuleViolation(*errors)
    assignment = Assignment(event_id=event.id, staff_id=staff.id, role=role)
    session.add(assignment)
    session.flush()
    return assignment


def event_assignments(session: Session, event_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment).where(Assignment.event_id == event_id).order_by(Assignment.id)
        )
    )


def staffing_errors(session: Session, event: SupportEvent) -> list[str]:
    """What the event still lacks before it may open."""
    roles = [
        (a.role, a.staff)
        for a in event_assignments(session, event.id)
        if a.staff.active and a.staff.pledge_signed_on is not None
    ]
    errors: list[str] = []
    if sum(1 for role, _ in roles if role in ON_SITE) < MIN_WORKERS:
        errors.append(NEEDS_TWO_WORKERS)
    if not any(role == SITE_MANAGER and s.approved_by_city for role, s in roles):
        errors.append(NEEDS_SITE_MANAGER)
    if (
        event.kind == VISIT
        and not any(role == CITY_OFFICIAL for role, _ in roles)
        and event.id not in approvals_of(session, OFFICIAL_WAIVER, [event.id])
    ):
        errors.append(NEEDS_CITY_OFFICIAL)
    return errors


def clash_errors(session: Session, event: SupportEvent) -> list[str]:
    """After an event's time changes: is any assigned person now in two places?"""
    errors: list[str] = []
    for a in event_assignments(session, event.id):
        if overlapping(session, a.staff_id, event.starts_at, event.ends_at, event.id):
            errors.append(DOUBLE_BOOKED)
        if a.staff.role == CITY_OFFICIAL and validate_visit_window(event.starts_at, event.ends_at):
            errors.append(CITY_STAFF_HOURS)
    return sorted(set(errors))


def list_staff(session: Session) -> list[Staff]:
    return list(session.scalars(select(Staff).order_by(Staff.id)))
