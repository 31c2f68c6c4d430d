"""Telling a resident about their visit request: a proposed date they can
accept or decline with one tap (LINE) or one key (phone, via SMS text)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers import booking_views as views
from handlers.contract import Choice, Reply
from handlers.notify import notify
from handlers.text import label
from models.visits import VisitProposal


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
