"""Re-scan stored text for numbers older redaction rules missed (issue 20).

Stored inbound events, conversation data, inquiry summaries and transcript
lines are read (decrypted by their column types), redacted with
``personal_numbers.redact`` and written back (re-encrypted on flush). An
audit row records the counts, never the numbers. ``dry_run`` counts only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import audit
from models.conversations import Conversation
from models.inbound import InboundEvent
from models.inquiries import Inquiry, TranscriptLine
from personal_numbers.redact import redact

BATCH = 500
KINDS = ("inbound_events", "conversations", "inquiries", "transcript")


def _clean(value: Any, spoken: bool) -> tuple[Any, int]:
    """(value with every string redacted, how many numbers were removed)."""
    if isinstance(value, str):
        r = redact(value, spoken=spoken)
        return r.text, r.my_numbers + r.application_ids
    if isinstance(value, dict):
        out, n = {}, 0
        for k, v in value.items():
            out[k], m = _clean(v, spoken)
            n += m
        return out, n
    if isinstance(value, list):
        items = [_clean(v, spoken) for v in value]
        return [v for v, _ in items], sum(m for _, m in items)
    return value, 0


def scan(session: Session, *, dry_run: bool = False, actor: str = "cli") -> dict[str, int]:
    """Numbers found (and redacted unless ``dry_run``) per kind of stored text."""
    counts = dict.fromkeys(KINDS, 0)
    plans = (
        ("inbound_events", InboundEvent, "payload", lambda row: row.channel == "voice"),
        ("conversations", Conversation, "data", lambda row: row.channel == "voice"),
        ("inquiries", Inquiry, "summary", lambda row: False),
        ("transcript", TranscriptLine, "text", lambda row: False),
    )
    for kind, model, field, spoken_of in plans:
        last = 0
        while True:
            rows = session.scalars(
                select(model).where(model.id > last).order_by(model.id).limit(BATCH)
            ).all()
            if not rows:
                break
            for row in rows:
                value = getattr(row, field)
                if value is None:
                    continue
                cleaned, n = _clean(value, spoken_of(row))
                if n:
                    counts[kind] += n
                    if not dry_run:
                        setattr(row, field, cleaned)
            last = rows[-1].id
            if not dry_run:
                session.flush()
            session.expunge_all()
    summary = ", ".join(f"{k}={v}" for k, v in counts.items())
    audit(session, actor, "redact_scan_dry_run" if dry_run else "redact_scan", "stored_text", summary)
    return counts
