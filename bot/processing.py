"""Processing recorded inbound events off the request path.

The webhook records events and answers at once; a small thread pool then
processes each new event in one transaction (claim → dispatch → queue the
replies → mark done → commit) and delivers its replies. The clock picks up
events a dying worker left behind. A failed event is kept as failed, the
resident gets an apology, and staff see it in the inbox.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.line import events as line_events
from bot.line.render import to_json, to_messages
from handlers.contract import Inbound, Reply
from handlers.dispatch import dispatch
from models.base import utcnow
from models.db import db
from models.inbound import DONE, InboundEvent, claim_event, fail, mark, note_error
from models.outbox import enqueue

log = logging.getLogger(__name__)


def _reply_token(payload: dict[str, Any]) -> str | None:
    """The reply token if it has the only shape LINE sends (a string); else push."""
    token = payload.get("replyToken")
    return token if isinstance(token, str) and token else None


def _queue_line(session, resident_id: int, payload: dict[str, Any], replies: list[Reply]):
    messages = to_json(to_messages(replies))
    if not messages:
        return []
    token = _reply_token(payload)
    msg = enqueue(
        session,
        channel="line",
        kind="reply" if token else "push",
        recipient=payload["userId"],
        reply_token=token,
        payload=messages,
        resident_id=resident_id,
        source="conversation",
    )
    return [msg.id]


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


class EventProcessor:
    """A thread pool for event processing; ``drain`` waits for what was submitted."""

    def __init__(self, delivery, workers: int = 4) -> None:
        self.delivery = delivery
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="events")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, event_ids: list[int]) -> None:
        """Process one webhook's events in order, in one background task."""
        if not event_ids:
            return
        future = self._executor.submit(self._run, list(event_ids))
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, event_ids: list[int]) -> None:
        for event_id in event_ids:
            try:
                self.delivery.deliver(process_event(event_id))
            except Exception as exc:  # noqa: BLE001 - a background thread must not die
                log.error("event %s: delivery error %s", event_id, type(exc).__name__)

    def drain(self, timeout: float = 30.0) -> None:
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
