"""The webhook's hot path: group commit, batches in one transaction, leased answers.

These run on SQLite by default and on PostgreSQL with TEST_BACKEND=postgres;
tests/integration/test_two_instances_pg.py runs two app instances on one
PostgreSQL database.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import func, select

import bot.line.recording as recording
from bot.line.events import record_row
from bot.processing import process_batch
from models.base import utcnow
from models.db import db
from models.inbound import InboundEvent, record_events
from models.inquiries import TranscriptLine
from models.outbox import CLAIMED_LEASE, OutboxMessage, claim_due, renew_lease
from models.residents import Resident
from tests.line_helpers import Resident as LineResident
from tests.line_helpers import body_of, event, post


def rows_for(user_id: str, *keys: str) -> list[dict]:
    return [record_row(event("text", user_id, text="メニュー", event_id=k)) for k in keys]


def test_concurrent_requests_record_each_event_once(live, new_user_id):
    recorder = live.app.extensions["recorder"]
    keys = [f"EV{n:03d}" for n in range(40)]
    got: list[list[int]] = []
    barrier = threading.Barrier(8)

    def request(n: int) -> None:
        # Every request carries five keys, each key sent by two requests.
        mine = rows_for(new_user_id, *keys[(n % 4) * 10 : (n % 4) * 10 + 5])
        barrier.wait()
        got.append(recorder.record(mine))

    threads = [threading.Thread(target=request, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [i for ids in got for i in ids]
    assert len(ids) == len(set(ids)) == 20  # 4 groups of 5 keys, each recorded once
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 20


def test_a_request_whose_rows_fail_does_not_fail_the_others(live, new_user_id, monkeypatch):
    real = recording.insert_events

    def refuses_bad(conn, rows):
        if any(r["event_key"] == "BAD" for r in rows):
            raise ValueError("a row the database refuses")
        return real(conn, rows)

    monkeypatch.setattr(recording, "insert_events", refuses_bad)
    recorder = live.app.extensions["recorder"]
    good = rows_for(new_user_id, "GOOD")
    bad = rows_for(new_user_id, "BAD")
    batch = [recording._Waiting(good), recording._Waiting(bad)]
    recording._write(batch)
    assert len(batch[0].ids) == 1 and batch[0].error is None
    assert isinstance(batch[1].error, ValueError)
    assert recorder.record(rows_for(new_user_id, "LATER")) != []


def test_one_residents_events_are_handled_in_the_order_they_came(live, new_user_id):
    resident = LineResident(live, new_user_id)
    resident.send("follow")
    said = [f"質問その{n}です" for n in range(6)]
    body = body_of(*(event("text", new_user_id, text=t, reply_token=resident._token()) for t in said))
    assert post(resident.client, body).status_code == 200
    live.drain()
    with db.reader() as s:
        lines = s.scalars(
            select(TranscriptLine.text)
            .where(TranscriptLine.direction == "in")
            .order_by(TranscriptLine.id)
        ).all()
    assert lines == said
    assert len(resident.new_messages()) >= len(said)  # every event answered


def test_a_batch_answers_each_resident_once_and_marks_every_event_done(live):
    users = ["U" + uuid.uuid4().hex for _ in range(12)]
    with db.unit_of_work() as s:
        ids = record_events(s, [record_row(event("text", u, text="メニュー")) for u in users])
        s.commit()
    answers = process_batch(ids)
    assert answers is not None and sorted(a.recipient for a in answers) == sorted(users)
    assert all(a.kind == "push" for a in answers)  # these events carried no reply token
    with db.reader() as s:
        done = s.scalars(select(InboundEvent.status).where(InboundEvent.id.in_(ids))).all()
        assert set(done) == {"done"}
        assert s.scalar(select(func.count()).select_from(Resident)) == 12
        leased = s.scalars(select(OutboxMessage.status)).all()
        assert set(leased) == {"sending"}  # leased to this process until it sends them
    assert process_batch(ids) == []  # processed once


def test_a_batch_with_nothing_to_send_still_keeps_its_writes(live, monkeypatch):
    import bot.processing as processing

    users = ["U" + uuid.uuid4().hex for _ in range(3)]
    with db.unit_of_work() as s:
        ids = record_events(s, [record_row(event("unfollow", u)) for u in users])
        s.commit()
    one_by_one = []
    monkeypatch.setattr(processing, "process_event", lambda i: one_by_one.append(i))
    assert process_batch(ids) == []  # nobody to answer: they blocked the account
    assert one_by_one == []  # the batch itself succeeded
    with db.reader() as s:
        done = s.scalars(select(InboundEvent.status).where(InboundEvent.id.in_(ids))).all()
        assert set(done) == {"done"}
        seen = s.scalars(select(Resident.last_seen_at)).all()
        assert len(seen) == 3 and all(at is not None for at in seen)


def test_a_failing_batch_keeps_nothing_and_its_events_stay_received(live, monkeypatch):
    import bot.processing as processing

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(processing, "dispatch", broken)
    with db.unit_of_work() as s:
        ids = record_events(s, [record_row(event("text", "U" + uuid.uuid4().hex, text="x"))])
        s.commit()
    assert process_batch(ids) is None
    with db.reader() as s:
        assert s.scalar(select(InboundEvent.status).where(InboundEvent.id == ids[0])) == "received"
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_queued_answer_is_renewed_only_while_nobody_took_it_over(live):
    users = ["U" + uuid.uuid4().hex for _ in range(2)]
    with db.unit_of_work() as s:
        ids = record_events(s, [record_row(event("text", u, text="メニュー")) for u in users])
        s.commit()
    kept, taken = process_batch(ids)
    with db.unit_of_work() as s:  # the clock takes one over once its lease ran out
        (claimed,) = claim_due(s, utcnow() + CLAIMED_LEASE + timedelta(seconds=1), ids=[taken.id])
        s.commit()
    with db.unit_of_work() as s:
        renewed = renew_lease(s, kept, utcnow())
        assert renew_lease(s, taken, utcnow()) is None  # the clock sends that one
        s.commit()
    assert renewed is not None and renewed.lease_until > kept.lease_until
    assert not kept.may_start(kept.lease_until) and renewed.may_start(utcnow())
