"""What the e-mail stand-in records (sandbox mode: no SMTP_HOST configured).

The e-mail sender (``bot/email.py``) writes here instead of talking to an
SMTP server, so a developer (and the tests) can read what the city would
have received. Recipients, subjects and bodies are encrypted like every
other stored text; rows are purged with the other sandbox records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, EncryptedText, UTCDateTime, utcnow


class SandboxEmail(Base):
    __tablename__ = "sandbox_emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    message_id: Mapped[str] = mapped_column(String(200))
    to: Mapped[str] = mapped_column(EncryptedText)
    subject: Mapped[str] = mapped_column(EncryptedText)
    body: Mapped[str] = mapped_column(EncryptedText)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "at": self.at.isoformat(), "messageId": self.message_id,
            "to": self.to, "subject": self.subject, "body": self.body,
        }  # fmt: skip


def record_email(
    session: Session, *, to: str, subject: str, body: str, message_id: str, at: datetime
) -> SandboxEmail:
    row = SandboxEmail(to=to, subject=subject, body=body, message_id=message_id, at=at)
    session.add(row)
    session.flush()
    return row


def recorded_emails(session: Session, limit: int = 50) -> list[SandboxEmail]:
    """The latest first."""
    return list(session.scalars(select(SandboxEmail).order_by(SandboxEmail.id.desc()).limit(limit)))
