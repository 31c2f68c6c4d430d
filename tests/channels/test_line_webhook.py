"""POST /line/webhook: signatures, bodies, idempotency, sample events, replies."""

from __future__ import annotations

import json
import logging
import re
import threading
import time

import pytest
from sqlalchemy import func, select

from models.db import db
from models.inbound import InboundEvent
from models.outbox import OutboxMessage
from tests.line_helpers import Resident, body_of, event, post, sign, texts

SECRET_TEXT = "my secret question 0123"


def test_forged_signature_is_refused_and_body_not_logged(client, new_user_id, caplog):
    body = body_of(event("text", new_user_id, text=SECRET_TEXT))
    with caplog.at_level(logging.DEBUG):
        resp = post(client, body, signature=sign(body, secret="not-our-secret"))
    assert resp.status_code == 400
    assert SECRET_TEXT not in caplog.text
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 0


def test_missing_signature_is_refused(client, new_user_id):
    resp = post(client, body_of(event("text", new_user_id, text="hi")), signature=None)
    assert resp.status_code == 400


def test_signature_over_a_different_body_is_refused(client, new_user_id):
    body = body_of(event("text", new_user_id, text="hello"))
    tampered = body.replace(b"hello", b"HELLO")
    assert post(client, tampered, signature=sign(body)).status_code == 400


def test_verification_request_with_no_events_is_accepted(client):
    assert post(client, b'{"destination":"Ubot","events":[]}').status_code == 200


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"events": "x"}', b'{"destination": "U"}', b"\xff\xfe\x00", b""],
)
def test_malformed_body_is_a_400(client, body):
    assert post(client, body).status_code == 400


def test_oversized_body_is_refused(client):
    body = b'{"events": [], "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert post(client, body).status_code == 413


def test_follow_greets_with_the_main_menu(live, new_user_id):
    resident = Resident(live, new_user_id)
    messages = resident.send("follow")
    assert "友だち追加ありがとうございます" in texts(messages)
    values = [i["action"]["data"] for i in messages[-1]["quickReply"]["items"]]
    assert values == [
        "menu:venue",
        "menu:visit",
        "menu:faq",
        "menu:bookings",
        "menu:defect",
        "menu:notices",
        "g:person",
        "menu:language",
    ]


def test_redelivered_event_is_processed_once(live, new_user_id):
    resident = Resident(live, new_user_id)
    ev = event("follow", new_user_id, reply_token=resident._token())
    body = body_of(ev)
    redelivery = dict(ev, deliveryContext={"isRedelivery": True})
    assert post(resident.client, body).status_code == 200
    live.drain()
    assert post(resident.client, body_of(redelivery)).status_code == 200
    assert post(resident.client, body).status_code == 200
    live.drain()
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 1
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert len(resident.new_messages()) == 1


def test_the_same_event_twice_in_one_body_is_processed_once(live, new_user_id):
    ev = event("text", new_user_id, text="メニュー")
    assert post(live.app.test_client(), body_of(ev, ev)).status_code == 200
    live.drain()
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 1
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def _sample_bodies(shared_dir):
    for path in sorted((shared_dir / "line-webhook-samples").glob("*.json")):
        yield path.name, path.read_bytes()


def test_every_sdk_sample_event_gets_200_and_nothing_fails(live, shared_dir):
    client = live.app.test_client()
    for name, raw in _sample_bodies(shared_dir):
        resp = post(client, raw)
        assert resp.status_code == 200, name
        doc = json.loads(raw)
        for ev in doc["events"]:  # one at a time too: each its own key, sent today
            one = dict(
                ev,
                webhookEventId=re.sub("[^0-9A-Za-z]", "", name) + str(doc["events"].index(ev)),
                timestamp=int(time.time() * 1000),
            )
            assert post(client, body_of(one)).status_code == 200
    live.drain()
    with db.unit_of_work() as s:
        statuses = dict(
            s.execute(select(InboundEvent.status, func.count()).group_by(InboundEvent.status)).all()
        )
    assert "failed" not in statuses and "received" not in statuses
    assert statuses.get("done", 0) > 0 and statuses.get("ignored", 0) > 0


def test_an_event_older_than_the_key_window_is_a_replay_and_is_ignored(live, new_user_id):
    resident = Resident(live, new_user_id)
    forty_days_ago = int((time.time() - 40 * 86400) * 1000)
    assert resident.send("text", text="メニュー", timestamp=forty_days_ago) == []
    assert len(resident.send("text", text="メニュー")) == 1
    with db.unit_of_work() as s:
        statuses = sorted(s.scalars(select(InboundEvent.status)).all())
    assert statuses == ["done", "ignored"]


def test_unknown_and_group_events_are_ignored_explicitly(live, new_user_id):
    client = live.app.test_client()
    group = event("text", new_user_id, text="hello group")
    group["source"] = {"type": "group", "groupId": "G1", "userId": new_user_id}
    unknown = {"type": "somethingNew", "webhookEventId": "X1", "timestamp": 1}
    assert post(client, body_of(group, unknown, {"no": "type"}, "junk")).status_code == 200
    live.drain()
    with db.unit_of_work() as s:
        rows = s.scalars(select(InboundEvent)).all()
        assert {r.status for r in rows} == {"ignored"}
        assert all(r.payload == {} for r in rows)  # nothing kept from events we do not serve


def test_webhook_answers_before_a_slow_step_finishes(live, new_user_id, monkeypatch):
    import bot.processing as processing

    gate, started = threading.Event(), threading.Event()
    real = processing.dispatch

    def slow_dispatch(*args, **kwargs):
        started.set()
        assert gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(processing, "dispatch", slow_dispatch)
    resident = Resident(live, new_user_id)
    body = body_of(event("follow", new_user_id, reply_token=resident._token()))
    resp = post(resident.client, body)
    assert resp.status_code == 200
    assert started.wait(5)
    assert resident.new_messages() == []  # answered while the step is still running
    gate.set()
    live.drain()
    assert "友だち追加" in texts(resident.new_messages())


def test_a_failing_step_is_recorded_and_the_resident_gets_an_apology(
    live, new_user_id, monkeypatch
):
    import bot.processing as processing

    def broken(*args, **kwargs):
        raise RuntimeError("boom with personal text 080-1234-5678")

    monkeypatch.setattr(processing, "dispatch", broken)
    resident = Resident(live, new_user_id)
    messages = resident.say("こんにちは")
    assert "申し訳ありません" in texts(messages)
    with db.unit_of_work() as s:
        ev = s.scalars(select(InboundEvent)).one()
        assert ev.status == "failed" and ev.error == "RuntimeError"
