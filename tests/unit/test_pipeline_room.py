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
