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
    rows = [InboxRow(i, sla_of(i, now), callbacks.get(i.id, [])) for i in inquiries]
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
