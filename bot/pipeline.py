"""The path of a recorded LINE event to its answer, in batches.

The webhook records events and answers LINE at once (bot/line/webhook.py).
Per web process, one thread then takes every event recorded meanwhile (up to
``BATCH``, oldest first) and processes them in ONE transaction
(``bot.processing.process_batch``). Under load the batches grow by
themselves, so the cost of a transaction is shared by many events; alone, an
event is a batch of one.

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
import os
import queue
import threading
import time

from bot.processing import process_batch, process_event
from models.base import utcnow
from models.db import db
from models.outbox import Outgoing, renew_lease

log = logging.getLogger(__name__)

BATCH = 64  # events per transaction at most
ROOM_WAIT = 0.1  # seconds a webhook request waits at most for the queue to shrink
LINGER = 0.02  # seconds a batch or a settlement waits to fill, under load only
SETTLE_MAX = 256  # outcomes per settling transaction at most


class EventPipeline:
    """Per process: one batch thread, ``send_threads`` senders and one settler.

    Threads start on first use, so a process forked after ``create_app``
    (gunicorn --preload) starts its own.
    """

    def __init__(
        self, delivery, send_threads: int = 8, batch: int = BATCH, linger: float = LINGER
    ) -> None:
        self.delivery = delivery
        self.batch = batch
        self.send_threads = send_threads
        self._ids: list[int] = []  # a heap: batches are taken oldest event first
        self._work = threading.Condition()
        # Requests waiting for the queue to shrink (``wait_for_room``); same lock.
        self._room = threading.Condition(self._work)
        self._pending = 0  # events and answers not finished yet (for drain)
        self._settle: queue.SimpleQueue = queue.SimpleQueue()
        self._started_in: int | None = None
        self._outgoing: queue.SimpleQueue = queue.SimpleQueue()  # answers to send
        self._sender_threads: list[threading.Thread] = []
        self._closing = False
        self.linger = linger
        self._last_batch = 0  # events in the last batch taken
        self._last_settled = 0  # outcomes in the last settlement

    # -- threads -----------------------------------------------------------------
    def _start(self) -> None:
        if self._started_in == os.getpid():
            return
        self._started_in = os.getpid()
        self._ids, self._pending, self._closing = [], 0, False
        self._outgoing = queue.SimpleQueue()
        # Plain threads on one queue: an executor's Future per answer costs more
        # than the send itself on loopback (issue 16).
        self._sender_threads = [
            threading.Thread(target=self._sender, name=f"send-{n}", daemon=True)
            for n in range(self.send_threads)
        ]
        for thread in self._sender_threads:
            thread.start()
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

    def wait_for_room(self, timeout: float = ROOM_WAIT) -> None:
        """Hold a webhook request (before it records anything) while a full batch
        of events already waits here, at most ``timeout`` seconds.

        Under a burst, request threads would otherwise take the interpreter from
        the one batch thread and accept events much faster than they are
        answered: reply tokens age in the queue. Waiting a little keeps
        acceptance at the pace of processing; nothing is refused.
        """
        with self._work:
            if len(self._ids) >= self.batch and not self._closing:
                self._room.wait_for(lambda: len(self._ids) < self.batch or self._closing, timeout)

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
                if self.linger > 0 and (self._last_batch > 1 or len(self._ids) > 1):
                    # Under load, a moment for a fuller batch: one transaction and
                    # its statements for more events. A lone event goes at once.
                    self._work.wait_for(
                        lambda: len(self._ids) >= self.batch or self._closing, self.linger
                    )
                take = min(self.batch, len(self._ids))
                self._last_batch = take
                ids = [heapq.heappop(self._ids) for _ in range(take)]
                self._room.notify_all()
            try:
                self._process(ids)
            except Exception as exc:  # noqa: BLE001 - the thread must live on
                log.error("event batch: %s", type(exc).__name__)
            finally:
                self._finished(len(ids))

    def _process(self, ids: list[int]) -> None:
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
            self._outgoing.put(msg)

    def _sender(self) -> None:
        while True:
            msg = self._outgoing.get()
            if msg is None:
                return  # shut down
            try:
                self._send(msg)
            except Exception as exc:  # noqa: BLE001 - the thread must live on; the lease runs out
                log.error("outbox %s: send error %s", msg.id, type(exc).__name__)
                self._finished(1)

    def _send(self, msg: Outgoing) -> None:
        if not msg.may_start(utcnow()):
            # Queued too long to finish within its lease: renew it if it is still
            # ours; if the clock took it over meanwhile, the clock sends it.
            try:
                with db.unit_of_work() as s:
                    renewed = renew_lease(s, msg, utcnow())
                    s.commit()
            except Exception as exc:  # noqa: BLE001 - the clock sends it after the lease
                log.error("outbox %s: lease not renewed (%s)", msg.id, type(exc).__name__)
                renewed = None
            if renewed is None:
                self._finished(1)
                return
            msg = renewed
        self._settle.put((msg, self.delivery.send_one(msg)))

    def _settler(self) -> None:
        stop = False
        while not stop:
            results, stop = self._outcomes()
            if not results:
                continue
            self._last_settled = len(results)
            try:
                self.delivery.settle(results)
            except Exception as exc:  # noqa: BLE001 - leased rows are retried by the clock
                log.error("settling %d answers: %s", len(results), type(exc).__name__)
            finally:
                self._finished(len(results))

    def _outcomes(self) -> tuple[list, bool]:
        """The next outcomes to settle in one transaction, and whether to stop after.

        Waits for the first; takes whatever else is there. Under load (the last
        settlement held more than one), it also waits up to ``linger`` for more:
        the answers are already sent, so this costs the resident nothing and saves
        a transaction per few answers.
        """
        results: list = []
        item = self._settle.get()
        deadline = None
        while item is not None:  # None: shut down, after settling what came before
            results.append(item)
            if len(results) >= SETTLE_MAX:
                return results, False
            if deadline is None and self.linger > 0 and self._last_settled > 1:
                deadline = time.monotonic() + self.linger
            left = deadline - time.monotonic() if deadline is not None else 0.0
            try:
                item = self._settle.get(timeout=left) if left > 0 else self._settle.get_nowait()
            except queue.Empty:
                return results, False
        return results, True

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
        if self._sender_threads:
            for _ in self._sender_threads:
                self._outgoing.put(None)
            for thread in self._sender_threads:
                thread.join()
            self._sender_threads = []
            self._settle.put(None)
        self._started_in = None
