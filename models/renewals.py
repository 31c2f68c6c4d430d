"""Renewal reminders: the expiry date a resident read off their card.

A resident may register the expiry of the card and/or of the electronic
certificate (the date printed on the card or written in its certificate box;
never a My Number or an application ID). The date is personal: encrypted.
Reminders go out ``renewals.remind_days_before`` days before it (city.yaml;
``scheduler/renewal_jobs.py``). Each (reminder, stage) is a row in
``renewal_notices`` under a unique constraint, written in the same
transaction as the message: a stage is sent once, never twice, even when two
clocks or a retried job race. ``done_at`` is set once the last stage has
gone (or was skipped), and the retention purge deletes the reminder
``retention.renewal_reminders`` days after that.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, EncryptedText, UTCDateTime, utcnow
from models.city import city

CARD, CERTIFICATE = "card", "certificate"
KINDS = (CARD, CERTIFICATE)


class RenewalReminder(Base):
    __tablename__ = "renewal_reminders"
    __table_args__ = (UniqueConstraint("resident_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # card | certificate
    expires_on: Mapped[str] = mapped_column(EncryptedText)  # ISO date
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    @property
    def expiry(self) -> date:
        return date.fromisoformat(self.expires_on)


class RenewalNotice(Base):
    """One stage of one reminder: sent (with its outbox row) or skipped."""

    __tablename__ = "renewal_notices"
    __table_args__ = (UniqueConstraint("reminder_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reminder_id: Mapped[int] = mapped_column(
        ForeignKey("renewal_reminders.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[int] = mapped_column(Integer)  # days before the expiry
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def remind_days_before() -> list[int]:
    """Stages from city.yaml, largest first (validated: whole days >= 1)."""
    raw = (city().get("renewals") or {}).get("remind_days_before", [90, 30])
    if not isinstance(raw, list) or not raw:
        raise ValueError("city.yaml renewals.remind_days_before: a list of days, e.g. [90, 30]")
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"city.yaml renewals.remind_days_before: whole days >= 1, not {value!r}")
    return sorted(set(raw), reverse=True)


def reminders_of(session: Session, resident_id: int) -> list[RenewalReminder]:
    return list(
        session.scalars(
            select(RenewalReminder)
            .where(RenewalReminder.resident_id == resident_id)
            .order_by(RenewalReminder.kind)
        )
    )


def set_reminder(
    session: Session, resident_id: int, kind: str, expires: date, channel: str, now: datetime
) -> RenewalReminder:
    """Register or change the date; a changed date starts its stages afresh."""
    if kind not in KINDS:
        raise ValueError(f"unknown renewal kind {kind!r}")
    found = session.scalars(
        select(RenewalReminder).where(
            RenewalReminder.resident_id == resident_id, RenewalReminder.kind == kind
        )
    ).first()
    if found is None:
        found = RenewalReminder(resident_id=resident_id, kind=kind, created_at=now)
        session.add(found)
    elif found.expires_on != expires.isoformat():
        session.execute(delete(RenewalNotice).where(RenewalNotice.reminder_id == found.id))
        found.created_at = now  # stages before today's registration are skipped, not sent
    found.expires_on, found.channel, found.updated_at, found.done_at = (
        expires.isoformat(), channel, now, None,
    )  # fmt: skip
    session.flush()
    return found


def open_reminders(session: Session) -> list[RenewalReminder]:
    """Reminders with a stage still to come (the daily job decrypts these only)."""
    return list(
        session.scalars(
            select(RenewalReminder).where(RenewalReminder.done_at.is_(None)).order_by(RenewalReminder.id)
        )
    )


def stages_done(session: Session, reminder_id: int) -> set[int]:
    return set(
        session.scalars(select(RenewalNotice.stage).where(RenewalNotice.reminder_id == reminder_id))
    )


def record_stage(
    session: Session, reminder_id: int, stage: int, now: datetime,
    *, outbox_id: int | None = None, skipped: bool = False,
) -> RenewalNotice | None:  # fmt: skip
    """Claim a stage; None when it was claimed already (the unique constraint decides)."""
    from sqlalchemy.exc import IntegrityError

    notice = RenewalNotice(reminder_id=reminder_id, stage=stage, at=now,
                           outbox_id=outbox_id, skipped=skipped)  # fmt: skip
    try:
        with session.begin_nested():
            session.add(notice)
            session.flush()
    except IntegrityError:
        return None
    return notice
