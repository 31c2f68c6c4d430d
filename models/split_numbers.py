"""A number split across 2-3 consecutive messages of one resident (issue 20).

No digits are kept anywhere to do this: when a message with digits arrives,
the resident's own inbound transcript lines of the last minute (at most two,
same channel) are read back decrypted, joined with the new text and checked
with ``personal_numbers.redact``. A number that crosses a message boundary
is replaced by its token in every part: in the transcript lines, in the
conversation data that kept a part as an answer, and in the stored inbound
events of the last minute whose text is exactly that part.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import phone_numbers
from models.conversations import Conversation
from models.inbound import InboundEvent
from models.inquiries import TranscriptLine
from personal_numbers.redact import count_digit_like, find_numbers, token_of

WINDOW = timedelta(minutes=1)
EARLIER = 2  # a number split over at most three messages


def _replace_covered(text: str, offset: int, cuts: list[tuple[int, int, str]]) -> str:
    """``text`` (starting at ``offset`` of the joined text) with covered parts replaced."""
    out, pos, end_of_text = [], 0, offset + len(text)
    for start, end, kind in cuts:
        if end <= offset or start >= end_of_text:
            continue
        a, b = max(start, offset) - offset, min(end, end_of_text) - offset
        out.append(text[pos:a])
        out.append(token_of(kind))
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _swap(value: Any, old: str, new: str) -> tuple[Any, bool]:
    """Every string in ``value`` equal to (or containing) ``old`` gets ``new`` instead."""
    if isinstance(value, str):
        if old and old in value:
            return value.replace(old, new), True
        return value, False
    if isinstance(value, dict):
        out, changed = {}, False
        for k, v in value.items():
            out[k], c = _swap(v, old, new)
            changed = changed or c
        return out, changed
    if isinstance(value, list):
        items = [_swap(v, old, new) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    return value, False


def catch_split_number(
    session: Session,
    resident_id: int,
    channel: str,
    text: str,
    now: datetime,
    *,
    resident_key: str | None = None,
) -> str | None:
    """The new text with its part of a split number replaced, or None if there is none.

    Earlier parts are redacted where they were stored (see the module doc).
    """
    spoken = channel == "voice"
    if not text or not count_digit_like(text, spoken=spoken):
        return None
    if phone_numbers.domestic(text) is not None:
        # A whole phone number on its own (the answer to "your phone number?") is
        # not the tail of a My Number: after an address "1-1", "0832311111" would
        # otherwise make a 12-digit run whose check digit fits 1 time in 11.
        return None
    earlier = session.scalars(
        select(TranscriptLine)
        .where(
            TranscriptLine.resident_id == resident_id,
            TranscriptLine.channel == channel,
            TranscriptLine.direction == "in",
            TranscriptLine.template.is_(None),
            TranscriptLine.at >= now - WINDOW,
        )
        .order_by(TranscriptLine.at.desc(), TranscriptLine.id.desc())
        .limit(EARLIER)
    ).all()[::-1]
    earlier = [row for row in earlier if row.text]
    if not earlier:
        return None
    parts = [row.text for row in earlier] + [text]
    offsets, pos = [], 0
    for part in parts:
        offsets.append(pos)
        pos += len(part) + 1
    joined = "\n".join(parts)
    # Only numbers that cross a message boundary: the rest was redacted already.
    cuts = [
        c
        for c in find_numbers(joined, spoken=spoken)
        if any(c[0] < off - 1 < c[1] for off in offsets[1:])
    ]
    if not cuts:
        return None
    new_parts = [_replace_covered(p, off, cuts) for p, off in zip(parts, offsets, strict=True)]
    changed = [
        (old, new)
        for old, new in zip(parts[:-1], new_parts[:-1], strict=True)
        if old != new
    ]
    for row, new in zip(earlier, new_parts[:-1], strict=True):
        row.text = new
    for conv in session.scalars(
        select(Conversation).where(
            Conversation.resident_id == resident_id, Conversation.channel == channel
        )
    ):
        data = conv.data or {}
        for old, new in changed + [(text, new_parts[-1])]:
            data, did = _swap(data, old, new)
            if did:
                conv.data = data
    _redact_events(session, channel, now, changed + [(text, new_parts[-1])], resident_key)
    return new_parts[-1]


def _redact_events(
    session: Session,
    channel: str,
    now: datetime,
    changes: list[tuple[str, str]],
    resident_key: str | None,
) -> None:
    """Stored inbound events of the last minute holding exactly one of the parts."""
    rows = session.scalars(
        select(InboundEvent).where(
            InboundEvent.channel == channel, InboundEvent.received_at >= now - WINDOW - WINDOW
        )
    ).all()
    for row in rows:
        payload = row.payload or {}
        user = payload.get("userId")
        if resident_key and user and user != resident_key:
            continue  # another resident's LINE event
        for old, new in changes:
            payload, did = _swap_exact(payload, old, new)
            if did:
                row.payload = payload


def _swap_exact(value: Any, old: str, new: str) -> tuple[Any, bool]:
    if isinstance(value, str):
        return (new, True) if value == old else (value, False)
    if isinstance(value, dict):
        out, changed = {}, False
        for k, v in value.items():
            out[k], c = _swap_exact(v, old, new)
            changed = changed or c
        return out, changed
    return value, False
