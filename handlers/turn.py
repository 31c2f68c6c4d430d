"""Everything one inbound event's handling needs, in one object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.contract import Inbound, Reply
from models.conversations import Conversation
from models.residents import Resident


@dataclass
class Turn:
    session: Session
    inbound: Inbound
    resident: Resident
    conversation: Conversation
    now: datetime
    replies: list[Reply] = field(default_factory=list)
    # Transcript lines for staff only (e.g. "the resident left the hand-over").
    staff_notes: list[str] = field(default_factory=list)

    @property
    def voice(self) -> bool:
        return self.inbound.channel == "voice"

    @property
    def data(self) -> dict[str, Any]:
        """Answers collected by the current flow (stored encrypted)."""
        return self.conversation.data

    def remember(self, **values: Any) -> None:
        # Reassign so SQLAlchemy sees the change to the JSON column.
        self.conversation.data = {**self.conversation.data, **values}

    def say(self, template: str, **context: Any) -> Reply:
        reply = Reply(template, context)
        self.replies.append(reply)
        return reply

    def add(self, reply: Reply) -> None:
        self.replies.append(reply)
