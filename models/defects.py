"""Defect cases (fubi): an application we supported came back defective.

A case is linked to its application record (or, when a resident reported it
and we could not match them yet, only to the resident). Its status moves
along ``TRANSITIONS``; anything else raises ``IllegalTransition``. Every
contact, ours or the resident's, is a ``ContactAttempt``. Reasons and the
contact cadence come from ``city.yaml`` (``defects:``).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.applications import ApplicationRecord
from models.base import Base, EncryptedText, UTCDateTime, utcnow
from models.city import city
from scheduler.business_calendar import JST, add_business_days, business_hours

NEW, CONTACTED, ANSWERED, FIX_BOOKED = "new", "contacted", "answered", "fix_booked"
RESOLVED, UNREACHABLE = "resolved", "unreachable"
STATUSES = (NEW, CONTACTED, ANSWERED, FIX_BOOKED, RESOLVED, UNREACHABLE)
# Where a status may go. A late answer reopens an unreachable case; a
# cancelled fix booking sends the case back to answered.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NEW: (CONTACTED, ANSWERED, FIX_BOOKED, RESOLVED, UNREACHABLE),
    CONTACTED: (ANSWERED, FIX_BOOKED, RESOLVED, UNREACHABLE),
    ANSWERED: (FIX_BOOKED, RESOLVED),
    FIX_BOOKED: (ANSWERED, RESOLVED),
    RESOLVED: (),
    UNREACHABLE: (ANSWERED, FIX_BOOKED, RESOLVED),
}
OPEN_STATUSES = (NEW, CONTACTED, ANSWERED, FIX_BOOKED, UNREACHABLE)
AWAITING_CONTACT = (NEW, CONTACTED)  # the cadence runs for these
CITY, JLIS, OWN_CHECK, RESIDENT = "city", "jlis", "own_check", "resident"
SOURCES = (CITY, JLIS, OWN_CHECK, RESIDENT)
STAFF_SOURCES = (CITY, JLIS, OWN_CHECK)  # what staff may name; "resident" is the bot's

# ContactAttempt.channel / outcome
CHANNELS = ("line", "sms", "callback", "phone", "resident", "staff")
OUTCOMES = (
    "queued",  # a LINE push or SMS is in the outbox
    "callback_created",  # a task for staff to call
    "callback_pending",  # the earlier callback task is still open
    "no_route",  # no LINE, no phone, no resident: nothing could be tried
    "reported",  # the resident told us (LINE, phone)
    "acknowledged",  # the resident tapped "I have read it"
    "answered",  # staff reached them
    "no_answer",  # staff called, nobody answered
    "note",
    "status",  # a status change, for the log
)
# What staff may log by hand (API and console); "answered" also moves the case on.
STAFF_CHANNELS = ("phone", "staff", "line", "sms")
STAFF_OUTCOMES = ("answered", "no_answer", "note")
MAX_NOTE = 2000


class CaseError(ValueError):
    """An input a case cannot take; ``code`` is the API's error code, ``field`` the input."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(f"{field}: {code}")
        self.code, self.field = code, field


class IllegalTransition(ValueError):
    def __init__(self, current: str, wanted: str) -> None:
        allowed = ", ".join(TRANSITIONS.get(current, ())) or "nothing (the case is closed)"
        super().__init__(
            f"a defect case cannot go from {current!r} to {wanted!r}; from {current!r} it "
            f"can go to: {allowed}"
        )
        self.current, self.wanted = current, wanted


class DefectCase(Base):
    __tablename__ = "defect_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("application_records.id", ondelete="CASCADE"), index=True
    )
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(20), index=True)
    # Redacted free text (the notice's words, a staff note), encrypted.
    detail: Mapped[str | None] = mapped_column(EncryptedText)
    found_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default=NEW, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # our outreach attempts
    next_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    inquiry_id: Mapped[int | None] = mapped_column(Integer)  # escalation / report inquiry
    created_by: Mapped[str] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    record: Mapped[ApplicationRecord | None] = relationship(lazy="joined")
    contacts: Mapped[list[ContactAttempt]] = relationship(
        back_populates="case", order_by="ContactAttempt.id", lazy="select"
    )


class ContactAttempt(Base):
    __tablename__ = "defect_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("defect_cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    direction: Mapped[str] = mapped_column(String(4))  # out, in
    channel: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str] = mapped_column(String(20))
    attempt_no: Mapped[int | None] = mapped_column(Integer)  # cadence step, outreach only
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    callback_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(80), default="system")
    note: Mapped[str | None] = mapped_column(EncryptedText)  # redacted

    case: Mapped[DefectCase] = relationship(back_populates="contacts")


# -- configuration -------------------------------------------------------------------


def _config() -> dict[str, Any]:
    return dict(city().get("defects") or {})


def reasons() -> list[dict[str, Any]]:
    """[{code, label, words}] in the order of city.yaml."""
    return [dict(r) for r in _config().get("reasons") or []]


def reason_codes() -> tuple[str, ...]:
    return tuple(r["code"] for r in reasons())


def reason_label(code: str) -> str:
    for r in reasons():
        if r["code"] == code:
            return str(r["label"])
    raise ValueError(f"unknown defect reason {code!r}")


def cadence() -> list[int]:
    return [int(n) for n in _config().get("cadence_business_days") or [0]]


def give_up_after() -> int:
    steps = cadence()
    return int(_config().get("unreachable_after_business_days", steps[-1] + 2))


def due_at(opened: datetime, business_days: int) -> datetime:
    """Opening time on the business day ``business_days`` after the case was opened."""
    day = add_business_days(opened.astimezone(JST).date(), business_days)
    return datetime.combine(day, business_hours()[0], JST)


# -- cases -----------------------------------------------------------------------------


def open_case(
    session: Session,
    *,
    reason: str,
    source: str,
    created_by: str,
    now: datetime,
    record: ApplicationRecord | None = None,
    resident_id: int | None = None,
    found_on: date | None = None,
    detail: str | None = None,
) -> DefectCase:
    """A new case; its first contact is due on cadence day 0."""
    if reason not in reason_codes():
        raise CaseError("bad_value", "reason")
    if source not in SOURCES:
        raise CaseError("bad_value", "source")
    case = DefectCase(
        record_id=record.id if record else None,
        resident_id=resident_id if resident_id is not None else (record and record.resident_id),
        reason=reason, detail=detail, source=source, created_by=created_by,
        found_on=found_on or now.astimezone(JST).date(), status=NEW, attempts=0,
        opened_at=now, updated_at=now, next_contact_at=due_at(now, cadence()[0]),
    )  # fmt: skip
    session.add(case)
    session.flush()
    return case


def transition(
    session: Session, case: DefectCase, to: str, *, now: datetime, actor: str = "system",
    note: str | None = None,
) -> None:  # fmt: skip
    """Move the case to ``to`` (logged); ``IllegalTransition`` when the table forbids it."""
    if to not in STATUSES:
        raise ValueError(f"unknown defect status {to!r}")
    if to not in TRANSITIONS[case.status]:
        raise IllegalTransition(case.status, to)
    previous, case.status, case.updated_at = case.status, to, now
    if to not in AWAITING_CONTACT:
        case.next_contact_at = None  # the cadence stops
    case.closed_at = now if to == RESOLVED else None
    log_contact(session, case, direction="in" if actor == "resident" else "out",
                channel="staff" if actor != "resident" else "resident", outcome="status",
                now=now, actor=actor, note=note or f"{previous} -> {to}")  # fmt: skip


def log_contact(
    session: Session, case: DefectCase, *, direction: str, channel: str, outcome: str,
    now: datetime, actor: str = "system", attempt_no: int | None = None,
    outbox_id: int | None = None, callback_id: int | None = None, note: str | None = None,
) -> ContactAttempt:  # fmt: skip
    if channel not in CHANNELS or outcome not in OUTCOMES:
        raise ValueError(f"unknown contact channel/outcome {channel!r}/{outcome!r}")
    attempt = ContactAttempt(
        at=now, direction=direction, channel=channel, outcome=outcome,
        attempt_no=attempt_no, outbox_id=outbox_id, callback_id=callback_id, actor=actor,
        note=note,
    )  # fmt: skip
    case.contacts.append(attempt)  # keeps a loaded collection in step
    session.flush()
    return attempt


def schedule_next(case: DefectCase) -> None:
    """After outreach attempt number ``case.attempts``: when the next one is due."""
    steps = cadence()
    n = case.attempts
    days = steps[n] if n < len(steps) else give_up_after()
    case.next_contact_at = due_at(case.opened_at, days)


def due_cases(session: Session, now: datetime, limit: int = 100) -> list[DefectCase]:
    return list(
        session.scalars(
            select(DefectCase)
            .where(
                DefectCase.status.in_(AWAITING_CONTACT),
                DefectCase.next_contact_at.is_not(None),
                DefectCase.next_contact_at <= now,
            )
            .order_by(DefectCase.next_contact_at, DefectCase.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=DefectCase)
        )
    )


def cases_waiting_for_fix(session: Session) -> list[DefectCase]:
    """Cases whose resident may book a fix (the job looks for their booking)."""
    return list(
        session.scalars(
            select(DefectCase).where(
                DefectCase.status.in_((NEW, CONTACTED, ANSWERED, UNREACHABLE)),
                DefectCase.resident_id.is_not(None),
            )
        )
    )


def open_case_of_resident(session: Session, resident_id: int) -> DefectCase | None:
    """The newest open case of this resident (directly or through their record)."""
    linked = select(ApplicationRecord.id).where(ApplicationRecord.resident_id == resident_id)
    return session.scalars(
        select(DefectCase)
        .where(
            DefectCase.status.in_(OPEN_STATUSES),
            (DefectCase.resident_id == resident_id) | DefectCase.record_id.in_(linked),
        )
        .order_by(DefectCase.id.desc())
    ).first()


def open_case_of_record(session: Session, record_id: int) -> DefectCase | None:
    return session.scalars(
        select(DefectCase)
        .where(DefectCase.record_id == record_id, DefectCase.status.in_(OPEN_STATUSES))
        .order_by(DefectCase.id.desc())
    ).first()


def counts_by_status_and_reason(
    session: Session, *, since: date | None = None, until: date | None = None
) -> dict[str, Any]:
    """For reports: cases found in [since, until] counted by status, by reason and by both."""
    query = select(DefectCase.status, DefectCase.reason)
    if since is not None:
        query = query.where(DefectCase.found_on >= since)
    if until is not None:
        query = query.where(DefectCase.found_on <= until)
    pairs = Counter(tuple(row) for row in session.execute(query))
    by_status = {s: 0 for s in STATUSES}
    by_reason = {r: 0 for r in reason_codes()}
    matrix = {s: {r: 0 for r in reason_codes()} for s in STATUSES}
    for (status, reason), n in pairs.items():
        by_status[status] = by_status.get(status, 0) + n
        by_reason[reason] = by_reason.get(reason, 0) + n
        matrix.setdefault(status, {})[reason] = matrix.get(status, {}).get(reason, 0) + n
    return {
        "total": sum(pairs.values()),
        "by_status": by_status,
        "by_reason": by_reason,
        "by_status_and_reason": matrix,
    }


def list_cases(
    session: Session, *, status: str | None = None, reason: str | None = None,
    source: str | None = None, record_id: int | None = None,
) -> list[DefectCase]:  # fmt: skip
    """Cases, newest first, filtered by any of status, reason, source, record."""
    query = select(DefectCase).order_by(DefectCase.id.desc())
    for column, value in (
        (DefectCase.status, status), (DefectCase.reason, reason),
        (DefectCase.source, source), (DefectCase.record_id, record_id),
    ):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    return list(session.scalars(query))


def open_cases_by_record(session: Session, record_ids: list[int]) -> dict[int, DefectCase]:
    """The newest open case of each of these records (records without one: absent)."""
    if not record_ids:
        return {}
    found: dict[int, DefectCase] = {}
    for case in session.scalars(
        select(DefectCase)
        .where(DefectCase.record_id.in_(record_ids), DefectCase.status.in_(OPEN_STATUSES))
        .order_by(DefectCase.id)
    ):
        found[case.record_id] = case  # a later one wins
    return found
