"""Inquiries escalated to a person, and the transcript residents and staff see.

An inquiry opened by "talk to a person" pauses the bot for that resident
(``Resident.handoff_inquiry_id``) until staff hand back or close it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, EncryptedText, UTCDateTime, utcnow
from models.bulk import insert_rows
from models.residents import Resident

NEW, IN_PROGRESS, ANSWERED, CLOSED = "new", "in_progress", "answered", "closed"
CATEGORIES = ("question", "complaint", "defect", "booking", "other")


class Inquiry(Base):
    __tablename__ = "inquiries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=NEW, index=True)
    category: Mapped[str] = mapped_column(String(16), default="other")
    # Redacted summary of what the resident asked, encrypted.
    summary: Mapped[str | None] = mapped_column(EncryptedText)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When and by whom it was first marked a complaint ("bot", "staff:<login>");
    # the city is told then (models/city_notices.py).
    complaint_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complaint_marked_by: Mapped[str | None] = mapped_column(String(80))


class TranscriptLine(Base):
    __tablename__ = "transcript"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8))  # in, out
    # Redacted text (My Numbers and application ids removed), encrypted.
    text: Mapped[str | None] = mapped_column(EncryptedText)
    template: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The buttons an outgoing message carried, value -> label (labels are fixed
    # template text, never personal): a later tap is logged as the label seen.
    choices: Mapped[dict[str, str] | None] = mapped_column(JSON)


def open_inquiry(
    session: Session,
    resident: Resident,
    *,
    channel: str,
    category: str = "other",
    summary: str | None = None,
    pause_bot: bool = True,
    now: datetime | None = None,
    reuse: bool = True,
) -> Inquiry:
    """Open (or reuse the open) inquiry and, by default, pause the bot.

    ``reuse=False``: always a new inquiry (a resident's defect report is its own
    case in the inbox, not a line under an older, unrelated question)."""
    existing = current_inquiry(session, resident) if reuse else None
    if existing is not None:
        inquiry = existing
    else:
        inquiry = Inquiry(
            resident_id=resident.id,
            channel=channel,
            category=category if category in CATEGORIES else "other",
            summary=summary,
            opened_at=now or utcnow(),
        )
        session.add(inquiry)
        session.flush()
    if pause_bot:
        resident.handoff_inquiry_id = inquiry.id
        inquiry.handed_back_at = None  # a person has it again (the inbox badge goes)
    return inquiry


def current_inquiry(session: Session, resident: Resident) -> Inquiry | None:
    return session.scalars(
        select(Inquiry)
        .where(Inquiry.resident_id == resident.id, Inquiry.status != CLOSED)
        .order_by(Inquiry.id.desc())
    ).first()


def hand_back(session: Session, inquiry: Inquiry, *, close: bool = False) -> None:
    """Staff give the conversation back to the bot."""
    now = utcnow()
    resident = session.get(Resident, inquiry.resident_id)
    if resident is not None and resident.handoff_inquiry_id == inquiry.id:
        resident.handoff_inquiry_id = None
    inquiry.handed_back_at = now
    if close:
        inquiry.status, inquiry.closed_at = CLOSED, now


def transcript_row(
    resident_id: int,
    channel: str,
    direction: str,
    text: str | None,
    template: str | None = None,
    at: datetime | None = None,
    choices: dict[str, str] | None = None,
) -> dict:
    return {
        "resident_id": resident_id,
        "channel": channel,
        "direction": direction,
        "text": text,
        "template": template,
        "at": at or utcnow(),
        "choices": choices or None,
    }


def tapped_label(session: Session, resident_id: int, value: str, *, recent: int = 40) -> str | None:
    """The label of the button whose postback ``value`` the resident sent: looked up in the
    recent messages the bot sent them (transcript) and the notices queued for them (outbox)."""
    from models.outbox import OutboxMessage

    rows = session.scalars(
        select(TranscriptLine.choices)
        .where(TranscriptLine.resident_id == resident_id, TranscriptLine.choices.is_not(None))
        .order_by(TranscriptLine.id.desc())
        .limit(recent)
    )
    for choices in rows:
        if choices and value in choices:
            return str(choices[value])
    pushed = session.scalars(
        select(OutboxMessage.payload)
        .where(OutboxMessage.resident_id == resident_id)
        .order_by(OutboxMessage.id.desc())
        .limit(recent)
    )
    for payload in pushed:
        if not isinstance(payload, dict):
            continue
        for reply in payload.get("replies") or []:
            for choice in reply.get("choices") or []:
                if choice.get("value") == value:
                    return str(choice.get("label"))
    return None


def log_line(session: Session, *args: Any, **kwargs: Any) -> None:
    """Add one transcript line (the arguments of ``transcript_row``)."""
    session.add(TranscriptLine(**transcript_row(*args, **kwargs)))


def write_lines(session: Session, rows: list[dict]) -> None:
    """Many transcript lines in one statement (no ORM objects: a batch of events)."""
    insert_rows(session, TranscriptLine.__table__, rows)


def open_inquiries(session: Session) -> list[Inquiry]:
    return list(
        session.scalars(select(Inquiry).where(Inquiry.status != CLOSED).order_by(Inquiry.opened_at))
    )
