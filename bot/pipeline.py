"""The path of a recorded LINE event to its answer, in batches.

The webhook records events and answers LINE at once (bot/line/webhook.py).
Per web process, one thread then takes every event recorded meanwhile (up to
``BATCH``) and processes them in ONE transaction (``process_batch``): claim →
lock the residents and their conversations → dispatch each event in id order
→ queue the answers, already leased for sending → mark done → commit. Under
load the batches grow by themselves, so the cost of a transaction is shared
by many events; alone, an event is a batch of one.

After the commit, a pool of sender threads makes the LINE calls and a settler
thread records their outcomes, again many in one transaction.

Guarantees: an event is committed before LINE gets its 200 (webhook); the
claim is conditional, so an event is processed once however many workers or
clocks see it; one resident's events are processed in order (one batch thread
per process, events in id order, the resident's row locked until commit); if
anything in a batch fails, nothing of it is kept and its events are processed
one by one (``bot.processing.process_event``), so one bad event never costs
the others their answers. A process that dies leaves its events received (the
clock recovers them) or its answers leased (the clock sends them when the
lease runs out).
"""

from __future__ import annotations

import atexit
import heapq
import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from bot.line import events as line_events
from bot.line.render import to_messages
from handlers.dispatch import dispatch
from models.base import utcnow
from models.conversations import lock_conversations
from models.db import db
from models.inbound import claim_events, mark_done
from models.outbox import Outgoing, enqueue_claimed
from models.residents import lock_residents

log = logging.getLogger(__name__)

BATCH = 64  # events per transaction at most


def line_outbox_row(resident_id: int, payload: dict[str, Any], messages: list[dict]) -> dict:
    """The outbox row answering a LINE event: a reply while it has a token, else a push."""
    token = payload.get("replyToken")
    token = token if isinstance(token, str) and token else None
    return {
        "channel": "line",
        "kind": "reply" if token else "push",
        "recipient": payload["userId"],
        "reply_token": token,
        "payload": messages,
        "resident_id": resident_id,
        "source": "conversation",
    }


def process_batch(event_ids: list[int], now: datetime | None = None) -> list[Outgoing] | None:
    """Process LINE events in one transaction; return their answers, leased for sending.

    None when anything failed: the transaction rolled back, nothing of the
    batch is kept, and the caller processes the events one by one.
    """
    now = now or utcnow()
    try:
        with db.unit_of_work() as s:
            events = [e for e in claim_events(s, event_ids) if e.channel == "line"]
            if not events:
                s.commit()
                return []
            inbound = [line_events.to_inbound(e.event_type, e.payload) for e in events]
            residents = lock_residents(s, "line", [i.resident_key for i in inbound])
            ids = sorted({r.id for r in residents.values()})
            conversations = lock_conversations(s, ids, "line")
            rows = []
            for event, one in zip(events, inbound, strict=True):
                resident = residents[one.resident_key]
                outcome = dispatch(
                    s, one, now, resident=resident, conversation=conversations[resident.id]
                )
                messages = to_messages(outcome.replies)
                if messages:
                    rows.append(line_outbox_row(resident.id, event.payload, messages))
            s.flush()
            answers = enqueue_claimed(s, rows, now)
            mark_done(s, [e.id for e in events], now)
            s.commit()
            return answers
    except Exception as exc:  # noqa: BLE001 - the events are processed one by one instead
        log.warning("a batch of %d events failed (%s); one by one", len(event_ids),
                    type(exc).__name__)  # fmt: skip
        return None


class EventPipeline:
    """Per process: one batch thread, ``send_threads`` senders and one settler.

    Threads start on first use, so a process forked after ``create_app``
    (gunicorn --preload) starts its own.
    """

    def __init__(self, delivery, send_threads: int = 8, batch: int = BATCH) -> None:
        self.delivery = delivery
        self.batch = batch
        self.send_threads = send_threads
        self._ids: list[int] = []  # a heap: batches are taken oldest event first
        self._work = threading.Condition()
        self._pending = 0  # events and answers not finished yet (for drain)
        self._settle: queue.SimpleQueue = queue.SimpleQueue()
        self._started_in: int | None = None
        self._senders: ThreadPoolExecutor | None = None
        self._closing = False

    # -- threads -----------------------------------------------------------------
    def _start(self) -> None:
        import os

        if self._started_in == os.getpid():
            return
        self._started_in = os.getpid()
        self._ids, self._pending, self._closing = [], 0, False
        self._senders = ThreadPoolExecutor(self.send_threads, thread_name_prefix="send")
        for target, name in ((self._batches, "events"), (self._settler, "settle")):
            threading.Thread(target=target, name=name, daemon=True).start()
        atexit.register(self.drain, 10.0)

    def submit(self, event_ids: list[int]) -> None:
        """Queue recorded events (in order) for processing."""
        if not event_ids:
            return
        with self._work:
            self._start()
            for event_id in event_ids:
                heapq.heappush(self._ids, event_id)
            self._pending += len(event_ids)
            self._work.notify_all()

    def _finished(self, n: int) -> None:
        with self._work:
            self._pending -= n
            self._work.notify_all()

    def _batches(self) -> None:
        while True:
            with self._work:
                while not self._ids and not self._closing:
                    self._work.wait()
                if not self._ids:
                    return  # shut down
                take = min(self.batch, len(self._ids))
                ids = [heapq.heappop(self._ids) for _ in range(take)]
            try:
                self._process(ids)
            except Exception as exc:  # noqa: BLE001 - the thread must live on
                log.error("event batch: %s", type(exc).__name__)
            finally:
                self._finished(len(ids))

    def _process(self, ids: list[int]) -> None:
        from bot.processing import process_event

        answers = process_batch(ids)
        if answers is None:
            for event_id in ids:
                try:
                    self.delivery.deliver(process_event(event_id))
                except Exception as exc:  # noqa: BLE001
                    log.error("event %s: delivery error %s", event_id, type(exc).__name__)
            return
        with self._work:
            self._pending += len(answers)
        for msg in answers:
            self._senders.submit(self._send, msg)

    def _send(self, msg: Outgoing) -> None:
        self._settle.put((msg, self.delivery.send_one(msg)))

    def _settler(self) -> None:
        stop = False
        while not stop:
            results: list = []
            item = self._settle.get()
            while True:
                if item is None:
                    stop = True  # shut down, after settling what came before
                else:
                    results.append(item)
                try:
                    item = self._settle.get_nowait()
                except queue.Empty:
                    break
            if not results:
                continue
            try:
                self.delivery.settle(results)
            except Exception as exc:  # noqa: BLE001 - leased rows are retried by the clock
                log.error("settling %d answers: %s", len(results), type(exc).__name__)
            finally:
                self._finished(len(results))

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until everything submitted is processed, sent and settled."""
        with self._work:
            return self._work.wait_for(lambda: self._pending <= 0, timeout)

    def shutdown(self) -> None:
        """Finish what was submitted, then stop the threads."""
        self.drain()
        atexit.unregister(self.drain)
        with self._work:
            self._closing = True
            self._work.notify_all()
        if self._senders is not None:
            self._senders.shutdown(wait=True)
            self._senders = None
            self._settle.put(None)
        self._started_in = None
