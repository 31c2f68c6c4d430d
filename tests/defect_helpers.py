"""Shared pieces of the defect tests: an applicant's record, and the leak scanner.

``leaks()`` reads EVERY request the LINE and Twilio stand-ins recorded and
every outbox payload, and returns the places where an application id (23
digits, any spacing) or a My Number (12 digits with a valid check digit)
appears — using the same ``handlers.redact`` rules that guard the way in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.redact import redact
from models.applications import ApplicationRecord, create_record
from models.db import db
from models.outbox import OutboxMessage
from models.sandbox import SandboxLineRequest
from models.sandbox_twilio import SandboxTwilioRequest
from tests.booking_factories import jst, venue_event

APP_ID = "1234 5678 9012 3456 7890 123"
MY_NUMBER = "123456789018"  # valid check digit
EVENT_START = jst(2026, 11, 21, 10)


def add_record(session, **fields: Any) -> ApplicationRecord:
    event = fields.pop("event", None) or venue_event(session, EVENT_START)
    defaults = {
        "name": "下関 花子", "name_kana": "シモノセキ ハナコ", "application_id": APP_ID,
        "my_number": MY_NUMBER, "created_by": "test",
    }  # fmt: skip
    return create_record(session, event_id=event.id, **{**defaults, **fields})


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# Transport fields that are random identifiers, not what a resident reads: a
# hex reply token may contain 12 digits in a row that happen to pass the check.
TRANSPORT_KEYS = frozenset({"replyToken", "to", "retryKey", "retry_key", "notificationDisabled"})


def _visible(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: _visible(v) for k, v in document.items() if k not in TRANSPORT_KEYS}
    if isinstance(document, list):
        return [_visible(v) for v in document]
    return document


def _found(where: str, document: Any) -> list[str]:
    return [f"{where}: {t[:80]!r}" for t in _strings(_visible(document)) if redact(t).found]


def leaks() -> list[str]:
    """Every text a resident could read in what left us (or waits in the outbox)."""
    from handlers.contract import Reply

    found: list[str] = []
    with db.reader() as s:
        for row in s.scalars(select(SandboxLineRequest)):
            found += _found(f"LINE request {row.id}", row.as_dict()["body"])
        for row in s.scalars(select(SandboxTwilioRequest)):
            found += _found(f"Twilio request {row.id}", row.as_dict()["params"].get("Body"))
        for row in s.scalars(select(OutboxMessage)):
            found += _found(f"outbox {row.id}", row.payload)
            replies = row.payload.get("replies") if isinstance(row.payload, dict) else None
            for reply in replies or []:
                found += _found(f"outbox {row.id} text", Reply.from_dict(reply).text())
    return found


def outbound_count() -> int:
    with db.reader() as s:
        return sum(
            len(s.scalars(select(model.id)).all())
            for model in (SandboxLineRequest, SandboxTwilioRequest, OutboxMessage)
        )
