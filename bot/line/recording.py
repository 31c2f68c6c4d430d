"""Recording webhook events durably, several requests in one statement (group commit).

A web process answers many webhook requests at once on its threads. Each must
have its events committed before LINE gets the 200, but a commit per request
costs a round trip and a WAL flush each. Here the first request to arrive
leads: it writes the rows of every request waiting at that moment in ONE
INSERT (autocommit on PostgreSQL) and wakes them with their ids; requests
that arrive meanwhile wait for the next write, led by the first of them.
Alone, a request writes its own rows at once, with no waiting.

If a shared write fails, each request's rows are written again on their own,
so one bad row never fails another request.
"""

from __future__ import annotations

import threading
from typing import Any

from models.db import db
from models.inbound import insert_events


class _Waiting:
    __slots__ = ("rows", "ids", "error", "done", "lead")

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.ids: list[int] = []
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.lead = False  # woken to lead the next write


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._writing = False

    def record(self, rows: list[dict[str, Any]]) -> list[int]:
        """Commit ``rows`` (with whatever other requests wait); return the new ids in order."""
        me = _Waiting(rows)
        with self._lock:
            self._queue.append(me)
            lead = not self._writing
            self._writing = True
        if lead:
            self._lead()
        else:
            me.done.wait()
            if me.lead:
                self._lead()
        if me.error is not None:
            raise me.error
        return me.ids

    def _lead(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            _write(batch)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].lead = True
                    self._queue[0].done.set()
                else:
                    self._writing = False
            for waiting in batch:
                waiting.done.set()


def _write(batch: list[_Waiting]) -> None:
    try:
        _insert(batch)
    except Exception as exc:  # noqa: BLE001 - retried alone below, or reported
        if len(batch) == 1:
            batch[0].error = exc
            return
        for waiting in batch:
            try:
                _insert([waiting])
            except Exception as alone:  # noqa: BLE001 - this request answers 5xx
                waiting.error = alone


def _insert(batch: list[_Waiting]) -> None:
    rows = [row for waiting in batch for row in waiting.rows]
    with db.single_statement() as conn:
        new = insert_events(conn, rows)
    for waiting in batch:
        ids = [new.pop(row["event_key"]) for row in waiting.rows if row["event_key"] in new]
        waiting.ids = sorted(ids)
