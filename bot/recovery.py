"""Recovering events a worker left received (it died, or the database was away).

The clock runs ``Recovery.run`` every few seconds. A few threads each take
the oldest event left received for ``STALE_AFTER`` (``start_recovery``:
rows another worker holds are skipped, the attempt is committed before the
work starts), process it exactly as the webhook's pool would and send its
replies. Each event is isolated: whatever one event does, the threads go on
with the next. An event tried ``MAX_ATTEMPTS`` times without an outcome (it
crashed its process each time, or the database kept timing out) fails with
the error class of its last attempt, and the resident gets an apology.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from bot.processing import error_class, fail_event, process_event
from models.base import utcnow
from models.db import db
from models.inbound import ABANDONED, MAX_ATTEMPTS, start_recovery

log = logging.getLogger(__name__)

# Long enough for a live worker to take its own events first, short enough
# that a dead worker's events are answered well within a minute.
STALE_AFTER = timedelta(seconds=10)
# Threads per run: processing waits mostly on commits and platform calls.
THREADS = 4
# A thread still on one event this long after the run's budget is left behind
# (its row stays locked and skipped); the run returns so the clock goes on.
HUNG_AFTER = 30.0


class Recovery:
    """One per process: the ids its threads are on, so no two take the same event."""

    def __init__(self, delivery, threads: int = THREADS) -> None:
        self.delivery = delivery
        self.threads = max(1, threads)
        self._busy: set[int] = set()
        self._lock = threading.Lock()

    def run(self, budget: float, keep_going: Callable[[], bool] = lambda: True) -> int:
        """Recover events until none is left, ``budget`` seconds pass or ``keep_going``
        turns false; return how many events were taken."""
        deadline = time.monotonic() + budget
        taken = [0] * self.threads
        workers = [
            threading.Thread(
                target=self._work,
                args=(n, deadline, keep_going, taken),
                name=f"recovery-{n}",
                daemon=True,
            )
            for n in range(self.threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()) + HUNG_AFTER)
            if worker.is_alive():
                log.error("recovery: %s is stuck on one event; left behind", worker.name)
        return sum(taken)

    def _work(self, n: int, deadline: float, keep_going, taken: list[int]) -> None:
        while time.monotonic() < deadline and keep_going():
            try:
                picked = self._take()
            except Exception as exc:  # noqa: BLE001 - database away: the next run retries
                log.error("recovery: cannot take an event (%s)", error_class(exc))
                return
            if picked is None:
                return
            event_id, attempts, error = picked
            taken[n] += 1
            try:
                if attempts > MAX_ATTEMPTS:
                    log.error("inbound event %s: given up after %d attempts", event_id, attempts)
                    ids = fail_event(event_id, error or ABANDONED)
                else:
                    ids = process_event(event_id, count=False)
                self.delivery.deliver(ids)
            except Exception as exc:  # noqa: BLE001 - one event never stops the others
                log.error("inbound event %s: recovery error %s", event_id, error_class(exc))
            finally:
                with self._lock:
                    self._busy.discard(event_id)

    def _take(self) -> tuple[int, int, str | None] | None:
        with self._lock:
            with db.unit_of_work() as s:
                picked = start_recovery(s, utcnow(), STALE_AFTER, frozenset(self._busy))
                s.commit()
            if picked is not None:
                self._busy.add(picked[0])
            return picked
