"""Telling a resident something outside a conversation turn.

Reminders, waiting-list offers, staff replies and defect follow-ups are
written to the outbox as channel-independent replies. Delivery chooses the
channel when it sends: LINE while the resident can be reached there, else
SMS to their phone; the text is rendered from the templates at that moment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers.contract import Reply
from models.outbox import OutboxMessage, enqueue


def notify(
    session: Session,
    resident_id: int,
    replies: list[Reply],
    *,
    source: str,
    not_before: datetime | None = None,
) -> OutboxMessage:
    return enqueue(
        session,
        channel="auto",
        kind="notify",
        recipient=f"resident:{resident_id}",
        payload={"replies": [r.to_dict() for r in replies]},
        resident_id=resident_id,
        source=source,
        not_before=not_before,
    )
