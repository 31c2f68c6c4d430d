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

from bot.line import events as line_events
from bot.line.render import to_messages
from handlers.contract import Inbound, Reply
from handlers.dispatch import dispatch
from models.base import utcnow
from models.db import db
from models.inbound import DONE, FAILED, InboundEvent, claim_event, mark
from models.outbox import enqueue

log = logging.getLogger(__name__)


def _queue_line(session, resident_id: int, payload: dict[str, Any], replies: list[Reply]):
    messages = to_messages(replies)
    if not messages:
        return []
    token = payload.get("replyToken")
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


def process_event(event_id: int, now: datetime | None = None) -> list[int]:
    """Process one recorded event exactly once; return the outbox ids to send."""
    now = now or utcnow()
    try:
        with db.unit_of_work() as s:
            event = claim_event(s, event_id, now)
            if event is None:
                return []  # done already, or another worker has it
            translate, queue = CHANNELS[event.channel]
            outcome = dispatch(s, translate(event.event_type, event.payload), now)
            ids = queue(s, outcome.resident_id, event.payload, outcome.replies)
            mark(s, event.id, DONE)
            s.commit()
            return ids
    except Exception as exc:  # noqa: BLE001 - recorded as failed; no text in the log
        log.error("inbound event %s failed: %s", event_id, type(exc).__name__)
        return _fail(event_id, type(exc).__name__)


def _fail(event_id: int, error: str) -> list[int]:
    """Keep the event as failed and apologise to the resident."""
    with db.unit_of_work() as s:
        event = s.get(InboundEvent, event_id)
        if event is None:
            return []
        mark(s, event_id, FAILED, error)
        ids: list[int] = []
        if event.channel == "line" and event.payload.get("userId"):
            from models.residents import get_or_create_resident

            resident = get_or_create_resident(s, "line", event.payload["userId"])
            ids = _queue_line(s, resident.id, event.payload, [Reply("errors/apology")])
        s.commit()
        return ids


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
