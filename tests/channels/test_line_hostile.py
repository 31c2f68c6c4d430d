"""Hostile but signed LINE bodies: a clear 400 for the body, or the bad event set aside.

Each case below is one the fault run found answered with 500 (which made LINE
drop every event of that body) or leaving a poisoned row behind. A body that
cannot be split into events is refused with 400; a bad event among good ones
is recorded as ignored (``invalid:<field>``) and the good ones are answered.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models.db import db
from models.inbound import InboundEvent
from tests.line_helpers import Resident, event, post, texts


def _raw_body(*events_json: str) -> bytes:
    return ('{"destination":"Ubot","events":[' + ",".join(events_json) + "]}").encode()


def _good(live, user_id) -> tuple[Resident, str]:
    resident = Resident(live, user_id)
    return resident, json.dumps(
        event("text", user_id, text="メニュー", reply_token=resident._token()), ensure_ascii=False
    )


def _with(user_id: str, **changes) -> str:
    """A text event with some fields replaced by raw JSON text (NaN, \\ud800 …)."""
    base = event("text", user_id, text="hello")
    marks = {}
    for i, (path, raw) in enumerate(changes.items()):
        mark = f"@@{i}@@"
        marks[json.dumps(mark)] = raw
        node = base
        *parents, leaf = path.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = mark
    text = json.dumps(base)
    for mark, raw in marks.items():
        text = text.replace(mark, raw)
    return text


HOSTILE = {
    "timestamp NaN": ({"timestamp": "NaN"}, "timestamp"),
    "timestamp Infinity": ({"timestamp": "Infinity"}, "timestamp"),
    "timestamp -Infinity": ({"timestamp": "-Infinity"}, "timestamp"),
    "timestamp 1e20": ({"timestamp": "1e20"}, "timestamp"),
    "timestamp beyond 2100": ({"timestamp": "99999999999999999999"}, "timestamp"),
    "timestamp a string": ({"timestamp": '"1700000000000"'}, "timestamp"),
    "timestamp true": ({"timestamp": "true"}, "timestamp"),
    "lone surrogate in text": ({"message__text": '"a\\ud800b"'}, "message.text"),
    "NUL in text": ({"message__text": '"a\\u0000b"'}, "message.text"),
    "lone surrogate in the user id": ({"source__userId": '"U\\ud800"'}, "source.userId"),
    "user id of the wrong shape": ({"source__userId": '"Ubot"'}, "source.userId"),
    "user id an object": ({"source__userId": '{"a": 1}'}, "source.userId"),
    "NUL in webhookEventId": ({"webhookEventId": '"01AB\\u0000CD"'}, "webhookEventId"),
    "surrogate in webhookEventId": ({"webhookEventId": '"01\\udfff"'}, "webhookEventId"),
    "webhookEventId a number": ({"webhookEventId": "12"}, "webhookEventId"),
    "webhookEventId too long": ({"webhookEventId": '"' + "A" * 200 + '"'}, "webhookEventId"),
    "replyToken an object": ({"replyToken": '{"x": [1, 2]}'}, "replyToken"),
    "replyToken with a surrogate": ({"replyToken": '"ab\\ud800"'}, "replyToken"),
    "message a list": ({"message": "[1]"}, "message"),
    "message text a number": ({"message__text": "12"}, "message.text"),
    "mode unknown": ({"mode": '"both"'}, "mode"),
    "nested 200 deep": ({"message__extra": "[" * 200 + "]" * 200}, "depth"),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_a_bad_event_is_set_aside_and_the_good_event_beside_it_is_answered(
    live, new_user_id, case
):
    changes, field = HOSTILE[case]
    resident, good = _good(live, new_user_id)
    bad = _with("U" + "e" * 32, **changes)
    resp = post(resident.client, _raw_body(bad, good))
    assert resp.status_code == 200, resp.data
    live.drain()
    assert texts(resident.new_messages())  # the good event was answered
    with db.unit_of_work() as s:
        rows = {r.status: (r.error, r.payload) for r in s.scalars(select(InboundEvent))}
    assert set(rows) == {"ignored", "done"}
    assert rows["ignored"] == (f"invalid:{field}", {})


def test_postback_with_surrogate_or_nested_params_is_set_aside(live, new_user_id):
    resident, good = _good(live, new_user_id)
    bad_data = json.dumps(event("postback", new_user_id, data="menu:venue")).replace(
        '"menu:venue"', '"menu:\\ud800"'
    )
    nested = event("postback", new_user_id, data="pd", extra={"params": {"date": {"y": [1]}}})
    long_data = event("postback", new_user_id, data="x" * 301)
    body = _raw_body(bad_data, json.dumps(nested), json.dumps(long_data), good)
    assert post(resident.client, body).status_code == 200
    live.drain()
    with db.unit_of_work() as s:
        errors = sorted(str(r.error) for r in s.scalars(select(InboundEvent)))
    assert errors == ["None", "invalid:postback.data", "invalid:postback.data",
                      "invalid:postback.params"]  # fmt: skip


@pytest.mark.parametrize("depth", [1000, 5000, 100_000])
def test_a_body_nested_too_deep_to_parse_is_a_400(client, depth):
    body = b'{"destination":"Ubot","events":[' + b"[" * depth + b"]" * depth + b"]}"
    resp = post(client, body)
    assert resp.status_code == 400
    assert "nested too deep" in resp.get_json()["error"]


def test_a_number_too_long_to_convert_is_a_400(client):
    body = b'{"destination":"Ubot","events":[{"timestamp":' + b"9" * 5000 + b"}]}"
    assert post(client, body).status_code == 400


def test_a_redelivered_bad_event_is_recorded_once(live, new_user_id):
    bad = _with(new_user_id, timestamp="NaN")
    client = live.app.test_client()
    assert post(client, _raw_body(bad)).status_code == 200
    assert post(client, _raw_body(bad)).status_code == 200
    with db.unit_of_work() as s:
        assert len(s.scalars(select(InboundEvent)).all()) == 1
