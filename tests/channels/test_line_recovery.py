"""Events no worker finished: poison never blocks, recovery takes each one once.

Rows are written straight into the database (as a dead worker or an older
version would have left them): processing must survive anything stored there,
whatever the webhook lets in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError

from bot.line.events import record_row
from bot.processing import process_event
from bot.recovery import Recovery
from models.base import utcnow
from models.db import db
from models.inbound import MAX_ATTEMPTS, InboundEvent, record_events
from models.inquiries import Inquiry
from models.outbox import OutboxMessage
from scheduler.jobs import escalate_failed_events
from tests.line_helpers import Resident, event, texts

MENU = "ご用件を選んでください"


def stored(*events, age: timedelta = timedelta(minutes=1), **columns) -> list[int]:
    """Record events as the webhook does, ``age`` ago (older than the recovery threshold)."""
    with db.unit_of_work() as s:
        ids = record_events(s, [record_row(e) for e in events])
        s.execute(
            update(InboundEvent)
            .where(InboundEvent.id.in_(ids))
            .values(received_at=utcnow() - age, **columns)
        )
        s.commit()
    return ids


def with_payload(event_id: int, **changes) -> None:
    """Rewrite a stored payload (encrypted as usual) with shapes LINE never sends."""
    with db.unit_of_work() as s:
        row = s.get(InboundEvent, event_id)
        row.payload = {**row.payload, **changes}
        s.commit()


def statuses(ids: list[int]) -> list[tuple[str, str | None]]:
    columns = select(InboundEvent.id, InboundEvent.status, InboundEvent.error)
    with db.reader() as s:
        rows = {r.id: (r.status, r.error) for r in s.execute(columns.where(InboundEvent.id.in_(ids)))}
    return [rows[i] for i in ids]


def recover(live, threads: int = 2, budget: float = 20.0) -> int:
    return Recovery(live.app.extensions["delivery"], threads).run(budget)


def test_a_reply_token_that_is_an_object_is_answered_by_push(live, new_user_id):
    (event_id,) = stored(event("text", new_user_id, text="メニュー"), age=timedelta(0))
    with_payload(event_id, replyToken={"not": "a token"})
    live.app.extensions["delivery"].deliver(process_event(event_id))
    assert statuses([event_id]) == [("done", None)]
    resident = Resident(live, new_user_id)
    assert MENU in texts(resident.new_messages())
    with db.reader() as s:
        assert s.scalars(select(OutboxMessage.kind)).all() == ["push"]


def test_an_event_that_cannot_even_be_failed_cleanly_ends_failed_with_its_error_class(
    live, new_user_id, monkeypatch
):
    import bot.processing as processing

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(processing, "dispatch", broken)
    monkeypatch.setattr(processing, "_queue_line", broken)  # the apology fails too
    (event_id,) = stored(event("text", new_user_id, text="こんにちは"), age=timedelta(0))
    assert process_event(event_id) == []
    assert statuses([event_id]) == [("failed", "RuntimeError")]


def test_an_event_whose_payload_cannot_be_read_ends_failed(live, new_user_id):
    (event_id,) = stored(event("text", new_user_id, text="こんにちは"), age=timedelta(0))
    with db.unit_of_work() as s:
        s.execute(
            text("UPDATE inbound_events SET payload = 'not a token' WHERE id = :id"),
            {"id": event_id},
        )
        s.commit()
    assert process_event(event_id) == []
    assert statuses([event_id]) == [("failed", "KeyError_")]


def test_recovery_goes_past_poison_and_answers_every_other_event_once(live):
    users = [f"U{n:032x}" for n in range(6)]
    ids = stored(*(event("text", u, text="メニュー") for u in users))
    with_payload(ids[1], replyToken={"not": "a token"}, userId=["not", "a", "user"])
    with_payload(ids[3], message={"type": "text", "text": {"nested": ["not", "text"]}})
    with db.unit_of_work() as s:
        s.execute(
            text("UPDATE inbound_events SET payload = 'garbage' WHERE id = :id"), {"id": ids[4]}
        )
        s.commit()
    assert recover(live) == len(ids)
    outcome = statuses(ids)
    assert [status for status, _ in outcome] == ["done", "failed", "done", "failed", "failed", "done"]
    assert all(error for status, error in outcome if status == "failed")
    for n in (0, 2, 5):
        assert MENU in texts(Resident(live, users[n]).new_messages())
    assert recover(live) == 0  # nothing is taken twice


def test_recovery_takes_the_oldest_event_first(live, new_user_id):
    first = stored(event("text", new_user_id, text="メニュー"), age=timedelta(minutes=2))
    later = stored(event("text", new_user_id, text="やめる"), age=timedelta(minutes=1))
    assert recover(live, threads=1) == 2
    with db.reader() as s:
        done = {e.id: e.processed_at for e in s.scalars(select(InboundEvent))}
    assert done[first[0]] < done[later[0]]


def test_recovery_leaves_fresh_events_to_the_worker_that_received_them(live, new_user_id):
    ids = stored(event("text", new_user_id, text="メニュー"), age=timedelta(seconds=1))
    assert recover(live) == 0
    assert statuses(ids) == [("received", None)]


def test_a_database_error_leaves_the_event_for_a_retry_not_failed(live, new_user_id, monkeypatch):
    import bot.processing as processing

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionError("database away"))

    monkeypatch.setattr(processing, "dispatch", unreachable)
    (event_id,) = stored(event("text", new_user_id, text="メニュー"))
    assert recover(live) == 1
    assert statuses([event_id]) == [("received", "ConnectionError")]
    assert Resident(live, new_user_id).new_messages() == []  # no apology: it will be answered
    monkeypatch.undo()
    with db.unit_of_work() as s:  # the retry is due RETRY_AFTER later
        s.execute(update(InboundEvent).values(processed_at=utcnow() - timedelta(minutes=1)))
        s.commit()
    assert recover(live) == 1
    assert statuses([event_id]) == [("done", None)]
    assert MENU in texts(Resident(live, new_user_id).new_messages())


@pytest.mark.parametrize("error", [None, "LockNotAvailable"])
def test_an_event_tried_too_often_fails_with_its_last_error_and_an_apology(
    live, new_user_id, error
):
    (event_id,) = stored(
        event("text", new_user_id, text="メニュー"),
        attempts=MAX_ATTEMPTS,
        processed_at=utcnow() - timedelta(minutes=1),
        error=error,
    )
    assert recover(live) == 1
    assert statuses([event_id]) == [("failed", error or "Abandoned")]
    assert "申し訳ありません" in texts(Resident(live, new_user_id).new_messages())


def test_escalation_goes_past_a_failed_event_whose_payload_cannot_be_read(live, new_user_id):
    ids = stored(
        event("text", "U" + "0" * 32, text="x"), event("text", new_user_id, text="y"),
        status="failed", error="RuntimeError",
    )
    with db.unit_of_work() as s:
        s.execute(
            text("UPDATE inbound_events SET payload = 'garbage' WHERE id = :id"), {"id": ids[0]}
        )
        s.commit()
    escalate_failed_events(live.app)
    assert statuses(ids) == [("escalated", "RuntimeError"), ("escalated", "RuntimeError")]
    with db.reader() as s:
        assert len(s.scalars(select(Inquiry)).all()) == 1  # the readable one reached staff
