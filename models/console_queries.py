"""Read models for the staff console: the inbox, SLA clocks, the complaints report.

The SLA: an escalated inquiry's first answer is due within
``SLA_BUSINESS_HOURS`` business hours of ``opened_at`` (business days and
hours from city.yaml, ``scheduler.business_calendar``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.inquiries import CLOSED, NEW, Inquiry, TranscriptLine
from models.phone import PhoneCallback
from models.residents import Resident
from scheduler.business_calendar import business_seconds_between

SLA_BUSINESS_HOURS = 4
COMPLAINT = "complaint"
STATUS_FILTERS = ("open", "new", "in_progress", "answered", "closed", "all")


@dataclass(frozen=True)
class Sla:
    due_seconds: float
    used_seconds: float
    answered: bool

    @property
    def remaining_seconds(self) -> float:
        return self.due_seconds - self.used_seconds

    @property
    def overdue(self) -> bool:
        return self.remaining_seconds < 0

    @property
    def met(self) -> bool:
        return self.answered and not self.overdue

    @property
    def minutes(self) -> int:
        """Whole minutes left (negative when overdue), for the templates."""
        return int(self.remaining_seconds // 60)


def sla_of(inquiry: Inquiry, now: datetime) -> Sla:
    end = inquiry.first_answer_at or now
    used = business_seconds_between(inquiry.opened_at, end)
    return Sla(SLA_BUSINESS_HOURS * 3600.0, used, inquiry.first_answer_at is not None)


@dataclass
class InboxRow:
    inquiry: Inquiry
    sla: Sla
    callbacks: list[PhoneCallback] = field(default_factory=list)
    defect_case_id: int | None = None  # the defect case this inquiry is about, if any
    language: str | None = None  # the resident's language (issue 17); None: Japanese

    @property
    def complaint(self) -> bool:
        return self.inquiry.category == COMPLAINT


def inbox(session: Session, now: datetime, status: str = "open") -> list[InboxRow]:
    """Escalated inquiries (LINE, phone, SMS) with their open call-back tasks."""
    query = select(Inquiry).order_by(Inquiry.opened_at, Inquiry.id)
    if status == "open":
        query = query.where(Inquiry.status != CLOSED)
    elif status in ("new", "in_progress", "answered", "closed"):
        query = query.where(Inquiry.status == status)
    inquiries = list(session.scalars(query))
    callbacks: dict[int, list[PhoneCallback]] = {}
    for task in open_callbacks_with_inquiry(session):
        callbacks.setdefault(task.inquiry_id, []).append(task)
    cases = defect_cases_by_inquiry(session, [i.id for i in inquiries])
    languages = dict(session.execute(
        select(Resident.id, Resident.language)
        .where(Resident.id.in_({i.resident_id for i in inquiries}))
    ).all()) if inquiries else {}  # fmt: skip
    rows = [InboxRow(i, sla_of(i, now), callbacks.get(i.id, []), cases.get(i.id),
                     languages.get(i.resident_id))
            for i in inquiries]  # fmt: skip
    # Complaints first, then unanswered overdue ones, then the oldest (sort is stable).
    return sorted(rows, key=lambda r: (not r.complaint, not (r.sla.overdue and not r.sla.answered)))


def open_callbacks_with_inquiry(session: Session) -> list[PhoneCallback]:
    return list(
        session.scalars(
            select(PhoneCallback)
            .where(PhoneCallback.done_at.is_(None), PhoneCallback.inquiry_id.is_not(None))
            .order_by(PhoneCallback.created_at)
        )
    )


def loose_callbacks(session: Session) -> list[PhoneCallback]:
    """Call-back tasks (voicemails, missed transfers) not tied to an inquiry."""
    return list(
        session.scalars(
            select(PhoneCallback)
            .where(PhoneCallback.done_at.is_(None), PhoneCallback.inquiry_id.is_(None))
            .order_by(PhoneCallback.created_at)
        )
    )


@dataclass(frozen=True)
class CallbackRow:
    task: PhoneCallback
    defect_case_id: int | None = None


def open_callback_rows(session: Session) -> list[CallbackRow]:
    """Every call-back task not yet done — voicemails and call-back requests, whether or
    not an inquiry holds them — each its own inbox item, with its defect case if any."""
    from models.defects import ContactAttempt

    tasks = list(
        session.scalars(
            select(PhoneCallback)
            .where(PhoneCallback.done_at.is_(None))
            .order_by(PhoneCallback.created_at, PhoneCallback.id)
        )
    )
    by_task = dict(
        session.execute(
            select(ContactAttempt.callback_id, ContactAttempt.case_id).where(
                ContactAttempt.callback_id.in_([t.id for t in tasks])
            )
        ).all()
    ) if tasks else {}  # fmt: skip
    by_inquiry = defect_cases_by_inquiry(session, [t.inquiry_id for t in tasks if t.inquiry_id])
    return [CallbackRow(t, by_task.get(t.id) or by_inquiry.get(t.inquiry_id or 0)) for t in tasks]


def defect_cases_by_inquiry(session: Session, inquiry_ids: list[int]) -> dict[int, int]:
    """inquiry id → the (newest) defect case filed under it."""
    from models.defects import DefectCase

    if not inquiry_ids:
        return {}
    # Cases filed under an inquiry are few; one scan beats an IN list of every inquiry.
    wanted = set(inquiry_ids)
    rows = session.execute(
        select(DefectCase.inquiry_id, DefectCase.id)
        .where(DefectCase.inquiry_id.is_not(None))
        .order_by(DefectCase.id)
    ).all()
    return {inquiry_id: case_id for inquiry_id, case_id in rows if inquiry_id in wanted}


def callbacks_of(session: Session, inquiry_id: int) -> list[PhoneCallback]:
    return list(
        session.scalars(
            select(PhoneCallback)
            .where(PhoneCallback.inquiry_id == inquiry_id)
            .order_by(PhoneCallback.created_at)
        )
    )


def escalation_marker(session: Session) -> dict[str, int]:
    """What the inbox page polls: the newest inquiry/callback ids and how many are new."""
    return {
        "inquiry": int(session.scalar(select(func.max(Inquiry.id))) or 0),
        "callback": int(session.scalar(select(func.max(PhoneCallback.id))) or 0),
        "new": int(
            session.scalar(select(func.count(Inquiry.id)).where(Inquiry.status == NEW)) or 0
        ),
    }


def transcript(session: Session, resident_id: int, limit: int = 50) -> list[TranscriptLine]:
    rows = session.scalars(
        select(TranscriptLine)
        .where(TranscriptLine.resident_id == resident_id)
        .order_by(TranscriptLine.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


def complaints(session: Session, now: datetime) -> list[InboxRow]:
    """Every complaint, any status, oldest first (the report to the city)."""
    rows = session.scalars(
        select(Inquiry).where(Inquiry.category == COMPLAINT).order_by(Inquiry.opened_at)
    )
    return [InboxRow(i, sla_of(i, now)) for i in rows]


def get_resident(session: Session, resident_id: int) -> Resident | None:
    return session.get(Resident, resident_id)


def mask(value: str | None, keep: int = 2) -> str:
    """Hide all but the last ``keep`` characters (phone numbers, ids)."""
    if not value:
        return ""
    visible = value[-keep:] if len(value) > keep else ""
    return "•" * max(len(value) - len(visible), 3) + visible


def mask_name(value: str | None) -> str:
    """Only the first character of a name."""
    if not value:
        return ""
    return value[0] + "•" * max(len(value) - 1, 2)
