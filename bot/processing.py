"""Processing recorded inbound events off the request path.

The webhook records events and answers at once; bot/pipeline.py then hands
the new events of each web process to ``process_batch``: many events in ONE
transaction (claim → lock their residents and conversations → dispatch each
in id order → queue the answers, already leased for sending → mark done →
commit). If anything in a batch fails, nothing of it is kept and each event
goes through ``process_event`` alone, as the clock's recovery does with events
a dying worker left behind. A failed event is kept as failed, the resident
gets an apology, and staff see it in the inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.line import events as line_events
from bot.line.render import to_messages
from handlers.contract import Inbound, Reply
from handlers.dispatch import dispatch
from models import deferred
from models.base import utcnow
from models.bulk import insert_sql, is_postgres
from models.conversations import lock_conversations
from models.db import db
from models.inbound import (
    DONE,
    InboundEvent,
    claim_event,
    claim_events,
    fail,
    mark,
    mark_done,
    mark_done_sql,
    note_error,
)
from models.inquiries import TranscriptLine, write_lines
from models.outbox import Outgoing, enqueue, enqueue_claimed
from models.residents import lock_residents

log = logging.getLogger(__name__)


def _reply_token(payload: dict[str, Any]) -> str | None:
    """The reply token if it has the only shape LINE sends (a string); else push."""
    token = payload.get("replyToken")
    return token if isinstance(token, str) and token else None


def _line_row(resident_id: int, payload: dict[str, Any], messages: list[dict]) -> dict:
    """The outbox row answering a LINE event: a reply while it has a token, else a push."""
    token = _reply_token(payload)
    return {
        "channel": "line",
        "kind": "reply" if token else "push",
        "recipient": payload["userId"],
        "reply_token": token,
        "payload": messages,
        "resident_id": resident_id,
        "source": "conversation",
    }


def _queue_line(session, resident_id: int, payload: dict[str, Any], replies: list[Reply]):
    messages = to_messages(replies)
    if not messages:
        return []
    return [enqueue(session, **_line_row(resident_id, payload, messages)).id]


CHANNELS: dict[str, tuple[Callable[[str, dict], Inbound], Callable[..., list[int]]]] = {
    "line": (line_events.to_inbound, _queue_line),
}


def is_transient(exc: BaseException) -> bool:
    """A database that is away, busy or timed out: the same event may succeed later."""
    if isinstance(exc, OperationalError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def error_class(exc: BaseException) -> str:
    """The class name to record: the driver's own for database errors (LockNotAvailable)."""
    orig = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else None
    return type(orig if orig is not None else exc).__name__


def process_event(event_id: int, now: datetime | None = None, count: bool = True) -> list[int]:
    """Process one recorded event exactly once; return the outbox ids to send.

    Never raises. An error the database may not repeat (it was away, a lock
    or statement timed out) leaves the event received for the clock to retry;
    any other error fails the event (``fail_event``).
    """
    now = now or utcnow()
    try:
        with db.unit_of_work() as s:
            event = claim_event(s, event_id, now, count=count)
            if event is None:
                return []  # done already, or another worker has it
            translate, queue = CHANNELS[event.channel]
            outcome = dispatch(s, translate(event.event_type, event.payload), now)
            ids = queue(s, outcome.resident_id, event.payload, outcome.replies)
            mark(s, event.id, DONE)
            s.commit()
            return ids
    except Exception as exc:  # noqa: BLE001 - recorded; no text in the log
        error = error_class(exc)
        if is_transient(exc):
            log.warning("inbound event %s: %s, left for a retry", event_id, error)
            _quietly(note_error, event_id, error)
            return []
        log.error("inbound event %s failed: %s", event_id, error)
        return fail_event(event_id, error)


def fail_event(event_id: int, error: str) -> list[int]:
    """Keep the event as failed and apologise to the resident.

    If even that fails (whatever the payload holds), the event is still
    marked failed with its error class, in a transaction that reads nothing
    of the payload; the clock escalates it to staff either way.
    """
    try:
        with db.unit_of_work() as s:
            if not fail(s, event_id, error):
                return []  # another worker took it after our attempt rolled back
            event = s.get(InboundEvent, event_id)
            ids: list[int] = []
            payload = event.payload if event is not None else None
            user = payload.get("userId") if isinstance(payload, dict) else None
            if event is not None and event.channel == "line" and isinstance(user, str) and user:
                from models.residents import get_or_create_resident

                resident = get_or_create_resident(s, "line", user)
                ids = _queue_line(s, resident.id, payload, [Reply("errors/apology")])
            s.commit()
            return ids
    except Exception as exc:  # noqa: BLE001 - the last resort below must run
        log.error("inbound event %s: no apology (%s)", event_id, type(exc).__name__)
    _quietly(fail, event_id, error)
    return []


def _quietly(write: Callable[..., object], event_id: int, *args: Any) -> None:
    """One small update in its own transaction; a database that is away is logged."""
    try:
        with db.unit_of_work() as s:
            write(s, event_id, *args)
            s.commit()
    except Exception as exc:  # noqa: BLE001 - the clock retries what is left received
        log.error("inbound event %s: not updated (%s)", event_id, type(exc).__name__)


def process_batch(event_ids: list[int], now: datetime | None = None) -> list[Outgoing] | None:
    """Process LINE events in one transaction; return their answers, leased for sending.

    Residents and conversations are locked for all events at once (in key
    order, so batches never deadlock); the events are dispatched in id order,
    so one resident's events keep their order. None when anything failed: the
    transaction rolled back, nothing of the batch is kept, and the caller
    processes the events one by one with ``process_event``.
    """
    now = now or utcnow()
    try:
        with db.unit_of_work() as s:
            events = [e for e in claim_events(s, event_ids) if e.channel == "line"]
            if not events:
                return []
            inbound = [line_events.to_inbound(e.event_type, e.payload) for e in events]
            deferred.collecting(s)  # routine writes once per batch (models/deferred.py)
            residents = lock_residents(s, "line", [i.resident_key for i in inbound])
            conversations = lock_conversations(
                s, sorted({r.id for r in residents.values()}), "line"
            )
            rows, lines = [], []
            for event, one in zip(events, inbound, strict=True):
                resident = residents[one.resident_key]
                outcome = dispatch(
                    s, one, now, resident=resident, conversation=conversations[resident.id],
                    transcript="return",
                )  # fmt: skip
                lines += outcome.lines
                messages = to_messages(outcome.replies)
                if messages:
                    rows.append(_line_row(resident.id, event.payload, messages))
            s.flush()
            done = [e.id for e in events]
            if is_postgres(s):  # the batch's writes and its answers: one statement
                writes = deferred.statements(s) + [mark_done_sql(done, now)]
                if lines:
                    writes.append(insert_sql(s, TranscriptLine.__table__, lines))
                answers = enqueue_claimed(s, rows, now, together_with=writes)
            else:
                deferred.flush_deferred(s)
                write_lines(s, lines)
                answers = enqueue_claimed(s, rows, now)
                mark_done(s, done, now)
            s.commit()
            return answers
    except Exception as exc:  # noqa: BLE001 - the events are processed one by one instead
        log.warning("a batch of %d events failed (%s); one by one", len(event_ids),
                    error_class(exc))  # fmt: skip
        return None
