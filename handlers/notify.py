"""Telling a resident something outside a conversation turn.

Reminders, waiting-list offers, staff replies and defect follow-ups are
written to the outbox as channel-independent replies. Delivery chooses the
channel when it sends: LINE while the resident can be reached there, else
SMS to their phone; the text is rendered from the templates at that moment,
in the resident's language (issue 17).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.contract import Reply
from handlers.text import relabel
from models import locales
from models.outbox import OutboxMessage, enqueue
from models.residents import Resident


def in_language(reply: Reply, language: str) -> Reply:
    """The reply in the resident's language (issue 17): its text is rendered in it
    when sent, and its buttons' labels are translated now."""
    if reply.locale == language:
        return reply
    choices = [dataclasses.replace(c, label=relabel(c.label, language)) for c in reply.choices]
    return dataclasses.replace(reply, choices=choices, locale=language, _texts={})


def notify(
    session: Session,
    resident_id: int,
    replies: list[Reply],
    *,
    source: str,
    not_before: datetime | None = None,
) -> OutboxMessage:
    language = locales.normalise(
        session.scalar(select(Resident.language).where(Resident.id == resident_id))
    )
    return enqueue(
        session,
        channel="auto",
        kind="notify",
        recipient=f"resident:{resident_id}",
        payload={"replies": [in_language(r, language).to_dict() for r in replies]},
        resident_id=resident_id,
        source=source,
        not_before=not_before,
    )
