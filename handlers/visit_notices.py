"""Telling a resident about their visit request: a proposed date they can
accept or decline with one tap (LINE) or one key (phone, via SMS text); and
telling staff when the resident calls the visit off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import booking_views as views
from handlers.contract import Choice, Reply
from handlers.notify import notify
from handlers.text import label
from models import events as ev
from models.audit import audit
from models.visits import OPEN_REQUEST, VisitProposal, VisitRequest, cancel_by_resident


def tell_proposed(session: Session, proposal: VisitProposal) -> None:
    request = proposal.request
    context = {"w": views.when(proposal.starts_at, proposal.ends_at), "number": request.id}
    choices = [
        Choice(label("accept_date"), f"vp:{proposal.id}:yes"),
        Choice(label("decline_date"), f"vp:{proposal.id}:no"),
        Choice(label("person"), "g:person"),
    ]
    notify(
        session,
        request.resident_id,
        [Reply("bookings/visit_proposed", context, choices)],
        source="visit_proposal",
    )


def cancelled_by_resident(session: Session, request: VisitRequest, now: datetime) -> bool:
    """The resident cancels: the request closes, a visit fixed only for it is called off,
    and staff see it (visit-request page, audit log)."""
    if not cancel_by_resident(request, now):
        return False
    event = session.get(ev.SupportEvent, request.event_id) if request.event_id else None
    if event is not None and event.kind == ev.VISIT and event.status in ev.LIVE:
        others = session.scalars(
            select(VisitRequest.id).where(
                VisitRequest.event_id == event.id, VisitRequest.id != request.id,
                VisitRequest.status.in_(OPEN_REQUEST),
            )
        ).first()  # fmt: skip
        if others is None:
            event.status = ev.CANCELLED
            audit(session, f"resident:{request.resident_id}", "status:cancelled", f"event:{event.id}")
    audit(session, f"resident:{request.resident_id}", "resident_cancelled", f"visit_request:{request.id}")
    return True
