"""What the Twilio stand-in (bot/sandbox/twilio_api.py) records. Sandbox mode only.

Bodies are what the bot texts to residents and recipients are phone numbers,
so both are encrypted; recipients are found through a keyed hash. A simulated
Twilio outage shares the ``sandbox_faults`` table with the LINE stand-in,
on its own row (id 2).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import crypto
from models.base import Base, EncryptedText, UTCDateTime, utcnow
from models.sandbox import SandboxFault

TWILIO_FAULT_ROW = 2


class SandboxTwilioRequest(Base):
    __tablename__ = "sandbox_twilio_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resource: Mapped[str] = mapped_column(String(16))  # Messages, Calls
    sid: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[int] = mapped_column(Integer)
    to: Mapped[str | None] = mapped_column(EncryptedText)
    to_key: Mapped[str | None] = mapped_column(String(64), index=True)
    params: Mapped[str | None] = mapped_column(EncryptedText)  # JSON of the form sent
    response: Mapped[str | None] = mapped_column(Text)  # JSON as answered (no body text)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "resource": self.resource,
            "sid": self.sid,
            "status": self.status,
            "to": self.to,
            "params": json.loads(self.params or "{}"),
            "response": json.loads(self.response or "{}"),
        }


def record_twilio_request(
    session: Session,
    *,
    resource: str,
    status: int,
    params: dict[str, Any],
    response: dict[str, Any],
    sid: str | None = None,
) -> SandboxTwilioRequest:
    to = params.get("To") or None
    row = SandboxTwilioRequest(
        resource=resource,
        sid=sid,
        status=status,
        to=to,
        to_key=crypto.lookup_hash(to) if to else None,
        params=json.dumps(params, ensure_ascii=False),
        response=json.dumps(response, ensure_ascii=False),
        at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def twilio_requests_since(
    session: Session, after_id: int, to: str | None = None, limit: int = 200
) -> list[SandboxTwilioRequest]:
    query = select(SandboxTwilioRequest).where(SandboxTwilioRequest.id > after_id)
    if to:
        query = query.where(SandboxTwilioRequest.to_key.in_(crypto.lookup_hashes(to)))
    return list(session.scalars(query.order_by(SandboxTwilioRequest.id).limit(limit)))


def set_twilio_fault(session: Session, count: int, status: int = 500) -> None:
    row = session.get(SandboxFault, TWILIO_FAULT_ROW)
    if row is None:
        session.add(SandboxFault(id=TWILIO_FAULT_ROW, remaining=count, status=status))
    else:
        row.remaining, row.status = count, status
    session.flush()


def take_twilio_fault(session: Session) -> int | None:
    taken = session.execute(
        update(SandboxFault)
        .where(SandboxFault.id == TWILIO_FAULT_ROW, SandboxFault.remaining > 0)
        .values(remaining=SandboxFault.remaining - 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    return session.scalar(select(SandboxFault.status).where(SandboxFault.id == TWILIO_FAULT_ROW))
