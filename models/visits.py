"""Visit requests (houmon-gata): a resident asks for staff to come to a home or facility.

A request is not a booking. Its life: received → proposed (staff proposed a
date) → approved (the resident accepted and the city approved) → scheduled
(a visit event is fixed) → done; or declined at any point before done.
Each proposed date is a ``VisitProposal`` that the resident accepts or
declines in chat; an unanswered one is nudged after 2 business days.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, EncryptedText, UTCDateTime, utcnow

RECEIVED, PROPOSED, APPROVED, SCHEDULED, DONE, DECLINED = (
    "received", "proposed", "approved", "scheduled", "done", "declined",
)  # fmt: skip
REQUEST_STATUSES = (RECEIVED, PROPOSED, APPROVED, SCHEDULED, DONE, DECLINED)
REQUEST_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (PROPOSED, DECLINED),
    PROPOSED: (PROPOSED, APPROVED, RECEIVED, DECLINED),
    APPROVED: (SCHEDULED, PROPOSED, DECLINED),
    SCHEDULED: (DONE, PROPOSED, DECLINED),
    DONE: (),
    DECLINED: (),
}
OPEN_REQUEST = (RECEIVED, PROPOSED, APPROVED, SCHEDULED)
# Proposal answers.
WAITING_ANSWER, ACCEPTED, REJECTED, WITHDRAWN = "proposed", "accepted", "declined", "withdrawn"
VISIT_KINDS = ("facility", "home")


class VisitRequest(Base):
    __tablename__ = "visit_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # facility, home
    postal_code: Mapped[str] = mapped_column(String(7))
    area: Mapped[str | None] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(EncryptedText)
    applicants: Mapped[int] = mapped_column(Integer)
    # Up to three preferred start times, ISO 8601 in Tokyo time (not personal).
    preferred: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(EncryptedText)  # mobility, hearing, ...
    contact_phone: Mapped[str] = mapped_column(EncryptedText)
    channel: Mapped[str] = mapped_column(String(16))
    # "first" or "renewal" (models/booking_reasons.py); None when nobody asked.
    reason: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default=RECEIVED, index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("support_events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the resident cancelled the request in chat (status declined).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposals: Mapped[list[VisitProposal]] = relationship(
        back_populates="request", order_by="VisitProposal.id", lazy="selectin"
    )

    def pending_proposal(self) -> VisitProposal | None:
        return next((p for p in self.proposals if p.status == WAITING_ANSWER), None)


class VisitProposal(Base):
    __tablename__ = "visit_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("visit_requests.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=WAITING_ANSWER, index=True)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[VisitRequest] = relationship(back_populates="proposals")


def can_move(current: str, new: str) -> bool:
    return new in REQUEST_TRANSITIONS.get(current, ())


def propose(
    session: Session, request: VisitRequest, starts_at: datetime, ends_at: datetime, now: datetime
) -> VisitProposal:
    """A new proposed date; an earlier unanswered one is withdrawn."""
    for old in request.proposals:
        if old.status == WAITING_ANSWER:
            old.status = WITHDRAWN
    proposal = VisitProposal(request=request, starts_at=starts_at, ends_at=ends_at, proposed_at=now)
    session.add(proposal)
    request.status = PROPOSED
    session.flush()
    return proposal


def answer_proposal(proposal: VisitProposal, accepted: bool, now: datetime) -> bool:
    """Record the resident's answer; False when the proposal is no longer open."""
    if proposal.status != WAITING_ANSWER:
        return False
    proposal.status = ACCEPTED if accepted else REJECTED
    proposal.answered_at = now
    # Accepted: staff ask the city to approve; declined: staff propose again.
    proposal.request.status = PROPOSED if accepted else RECEIVED
    return True


def resident_requests(session: Session, resident_id: int) -> list[VisitRequest]:
    return list(
        session.scalars(
            select(VisitRequest)
            .where(VisitRequest.resident_id == resident_id, VisitRequest.status.in_(OPEN_REQUEST))
            .order_by(VisitRequest.id)
        )
    )


def unanswered_proposals(session: Session) -> list[VisitProposal]:
    return list(
        session.scalars(
            select(VisitProposal).where(
                VisitProposal.status == WAITING_ANSWER, VisitProposal.nudged_at.is_(None)
            )
        )
    )


def cancel_by_resident(request: VisitRequest, now: datetime) -> bool:
    """The resident calls the visit off; False when it is no longer open."""
    if request.status not in OPEN_REQUEST:
        return False
    for proposal in request.proposals:
        if proposal.status == WAITING_ANSWER:
            proposal.status = WITHDRAWN
    request.status = DECLINED
    request.cancelled_at = now
    return True


# A resident may ask for other dates until the visit is fixed on the schedule.
REDATABLE = (RECEIVED, PROPOSED, APPROVED)


def redate_by_resident(request: VisitRequest, preferred: list[str], now: datetime) -> bool:
    """The resident asks for other dates (issue 19): their new preferred dates replace
    the old ones, a proposal still waiting is withdrawn, and staff propose again."""
    if request.status not in REDATABLE or not preferred:
        return False
    for proposal in request.proposals:
        if proposal.status == WAITING_ANSWER:
            proposal.status = WITHDRAWN
    request.preferred = list(preferred)
    request.status = RECEIVED
    return True


def cancelled_by_residents(session: Session, since: datetime) -> list[VisitRequest]:
    """Requests residents cancelled since ``since``, the latest first (for staff)."""
    return list(
        session.scalars(
            select(VisitRequest)
            .where(VisitRequest.cancelled_at.is_not(None), VisitRequest.cancelled_at >= since)
            .order_by(VisitRequest.cancelled_at.desc())
        )
    )
