"""A webhook request waits (briefly) while a full batch already waits to be processed."""

from __future__ import annotations

import threading
import time

from bot.pipeline import EventPipeline


class _Idle(EventPipeline):
    """The queue without its threads: nothing takes events unless the test does."""

    def _start(self) -> None:
        return None


def test_no_wait_while_the_queue_is_short():
    pipeline = _Idle(delivery=None, batch=4)
    pipeline.submit([1, 2, 3])
    started = time.monotonic()
    pipeline.wait_for_room(timeout=5.0)
    assert time.monotonic() - started < 0.5


def test_a_full_queue_holds_the_request_until_a_batch_is_taken():
    pipeline = _Idle(delivery=None, batch=4)
    pipeline.submit([1, 2, 3, 4, 5])
    released = threading.Event()

    def request() -> None:
        pipeline.wait_for_room(timeout=5.0)
        released.set()

    thread = threading.Thread(target=request)
    thread.start()
    assert not released.wait(0.3)  # still held: five events wait, a batch is four
    with pipeline._work:  # the batch thread takes a batch
        for _ in range(4):
            pipeline._ids.pop()
        pipeline._room.notify_all()
    assert released.wait(2.0)
    thread.join()


def test_the_wait_is_bounded():
    pipeline = _Idle(delivery=None, batch=2)
    pipeline.submit([1, 2, 3])
    started = time.monotonic()
    pipeline.wait_for_room(timeout=0.2)  # nobody takes anything: it goes on anyway
    assert 0.15 < time.monotonic() - started < 2.0


class _Recording(EventPipeline):
    """Batches are recorded instead of processed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(delivery=None, send_threads=0, **kwargs)
        self.batches: list[list[int]] = []

    def _process(self, ids: list[int]) -> None:
        self.batches.append(ids)


def test_a_lone_event_is_processed_at_once_whatever_the_linger():
    pipeline = _Recording(linger=30.0)
    try:
        started = time.monotonic()
        pipeline.submit([1])
        assert pipeline.drain(timeout=5.0)
        assert time.monotonic() - started < 5.0 and pipeline.batches == [[1]]
    finally:
        pipeline.shutdown()


def test_under_load_a_batch_waits_a_moment_to_fill():
    pipeline = _Recording(linger=2.0, batch=64)
    try:
        pipeline.submit([1])
        assert pipeline.drain(timeout=5.0)
        pipeline.submit([2, 3])  # more than one waiting: load; the batch lingers
        time.sleep(0.3)
        pipeline.submit([4, 5, 6])
        assert pipeline.drain(timeout=10.0)
        assert pipeline.batches == [[1], [2, 3, 4, 5, 6]]
    finally:
        pipeline.shutdown()


def test_a_full_batch_does_not_linger():
    pipeline = _Recording(linger=30.0, batch=4)
    try:
        started = time.monotonic()
        pipeline.submit(list(range(1, 9)))
        assert pipeline.drain(timeout=10.0)
        assert time.monotonic() - started < 10.0
        assert pipeline.batches == [[1, 2, 3, 4], [5, 6, 7, 8]]
    finally:
        pipeline.shutdown()


def test_settling_takes_what_waits_and_under_load_lingers_for_more():
    pipeline = _Idle(delivery=None, linger=1.0)
    for n in range(3):
        pipeline._settle.put((n, None))
    assert pipeline._outcomes() == ([(0, None), (1, None), (2, None)], False)  # not busy: at once

    pipeline._last_settled = 3  # busy: the first outcome waits a moment for others
    pipeline._settle.put(("a", None))
    threading.Timer(0.2, pipeline._settle.put, args=(("b", None),)).start()
    assert pipeline._outcomes() == ([("a", None), ("b", None)], False)

    pipeline._settle.put(("c", None))
    pipeline._settle.put(None)  # shut down, after settling what came before
    assert pipeline._outcomes() == ([("c", None)], True)
