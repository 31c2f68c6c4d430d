"""Property tests at the edge (Hypothesis, fixed seed, bounded examples).

- LINE: any signed body — events of LINE's shapes mixed with hostile values
  (NaN, huge numbers, NUL, lone surrogates, wrong types, deep nesting) —
  is answered 200 (or 400 when the body as a whole is not LINE's), each
  event is recorded once, a bad one as ``ignored`` with ``invalid:<field>``,
  and a good one can be translated and stored (encrypted) for processing.
- Twilio: any signed request to any voice or SMS webhook, with hostile
  parameters, is answered 200 with valid TwiML.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from bot.line import validate
from bot.line.events import to_inbound
from models.crypto import encrypt
from models.db import db
from models.inbound import InboundEvent
from tests.line_helpers import post as post_line
from tests.twilio_helpers import post as post_twilio
from tests.twiml_check import check_twiml

PROPERTY = settings(max_examples=120, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])  # fmt: skip

# --- values -----------------------------------------------------------------------------------

# JSON text fragments: most are LINE's own shapes, the rest are what the fault run sent.
HOSTILE_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e20", "-1", "0", "1.5", "true", "null",
                   "99999999999999999999999", '"1700000000000"', "[]", "{}"]  # fmt: skip
HOSTILE_STRINGS = ['"\\u0000"', '"a\\ud800"', '"\\udfff"', '""', "12", '{"x":[1]}',
                   '"' + "x" * 300 + '"', "[" * 40 + "]" * 40]  # fmt: skip


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def mostly(good, hostile: list[str], allowed: bool):
    """LINE's shape, or now and then (when ``allowed``) a hostile value."""
    return st.one_of(good, good, good, good, st.sampled_from(hostile)) if allowed else good


def user_ids(hostile: bool):
    good = st.text("0123456789abcdef", min_size=32, max_size=32).map(lambda h: _json("U" + h))
    return mostly(good, HOSTILE_STRINGS + ['"Ubot"'], hostile)


def event_ids(hostile: bool):
    good = st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=26, max_size=26).map(_json)
    return mostly(good, HOSTILE_STRINGS, hostile)


def timestamps(hostile: bool):
    good = st.integers(1_700_000_000_000, 1_900_000_000_000).map(str)
    return mostly(good, HOSTILE_NUMBERS, hostile)


def texts(hostile: bool):
    return mostly(st.text(max_size=60).map(_json), HOSTILE_STRINGS, hostile)


@st.composite
def line_events(draw, hostile: bool = True) -> str:
    """One event as JSON text (raw, so NaN and lone surrogates can be written)."""
    kinds = ["message", "postback", "follow", "unfollow"] + (["join", "x"] if hostile else [])
    kind = draw(st.sampled_from(kinds))
    fields = {
        "type": _json(kind),
        "mode": draw(mostly(st.just('"active"'), ['"standby"', "1"], hostile)),
        "timestamp": draw(timestamps(hostile)),
        "webhookEventId": draw(event_ids(hostile)),
        "source": '{"type":"user","userId":' + draw(user_ids(hostile)) + "}",
        "deliveryContext": '{"isRedelivery":false}',
    }
    if draw(st.booleans()):
        token = st.text("0123456789abcdef", min_size=32, max_size=32).map(_json)
        fields["replyToken"] = draw(mostly(token, HOSTILE_STRINGS, hostile))
    if kind == "message":
        fields["message"] = '{"type":"text","id":"1","text":' + draw(texts(hostile)) + "}"
    elif kind == "postback":
        params = mostly(st.sampled_from(['{}', '{"date":"2027-01-19"}']),
                        ['{"date":{"y":1}}', '{"datetime":"\\ud800"}'], hostile)  # fmt: skip
        fields["postback"] = '{"data":' + draw(texts(hostile)) + ',"params":' + draw(params) + "}"
    drop = set()
    if hostile and draw(st.booleans()):
        drop = draw(st.sets(st.sampled_from(sorted(fields)), max_size=1))
    return "{" + ",".join(f'"{k}":{v}' for k, v in fields.items() if k not in drop) + "}"


@pytest.fixture
def quiet_app(database_url, monkeypatch):
    """The app with the event pool held back: the webhook's own work is under test."""
    from tests.conftest import build_app

    app = build_app(database_url)
    monkeypatch.setattr(app.extensions["event_processor"], "submit", lambda ids: None)
    yield app
    app.extensions["event_processor"].shutdown()


@PROPERTY
@given(good=line_events(hostile=False), events=st.lists(line_events(), max_size=4))
def test_any_signed_line_body_is_answered_and_each_event_recorded_or_set_aside(
    quiet_app, good, events
):
    events = [good, *events]
    with db.unit_of_work() as s:
        s.execute(delete(InboundEvent))
        s.commit()
    body = ('{"destination":"Ubot","events":[' + ",".join(events) + "]}").encode()
    resp = post_line(quiet_app.test_client(), body)
    assert resp.status_code == 200, resp.data
    parsed = validate.parse_body(body.decode())
    with db.unit_of_work() as s:
        rows = s.scalars(select(InboundEvent)).all()
        keys = {r.event_key for r in rows}
        assert len(rows) == len(keys) <= len(parsed)
        for row in rows:
            assert row.status in ("received", "ignored")
            if row.status == "received":
                inbound = to_inbound(row.event_type, row.payload)  # processing can read it
                assert inbound.resident_key.startswith("U")
                encrypt(json.dumps(row.payload, ensure_ascii=False))
            elif row.error:
                assert row.error.startswith("invalid:") and row.payload == {}


def test_the_line_strategy_makes_good_and_bad_events_of_every_kind():
    seen: Counter = Counter()

    @PROPERTY
    @given(good=line_events(hostile=False), events=st.lists(line_events(), max_size=4))
    def draw(good, events):
        for raw in [good, *events]:
            try:
                [event] = validate.parse_body('{"events":[' + raw + "]}")
            except validate.BadBody:
                seen["bad body"] += 1
                continue
            seen[validate.problem(event) or "good"] += 1

    draw()
    assert seen["good"] >= 120, seen
    for field in ("webhookEventId", "timestamp", "source.userId", "depth", "type"):
        assert seen[field] > 0, seen


# --- Twilio -----------------------------------------------------------------------------------

ODD_TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["²", "١٢", "\x00", "1\x00", "9" * 40,
                                                             "-1", "1.5", "", " "]))  # fmt: skip
SIDS = st.one_of(st.just("CA" + uuid.UUID(int=7).hex), st.just("SM" + uuid.UUID(int=8).hex),
                 ODD_TEXT)  # fmt: skip
PHONES = st.one_of(st.just("+819012345678"), st.just("anonymous"), ODD_TEXT)
PATHS = ["/twilio/voice", "/twilio/voice/gather", "/twilio/voice/dial", "/twilio/voice/recorded",
         "/twilio/voice/recording", "/twilio/voice/status", "/twilio/sms"]  # fmt: skip


@st.composite
def twilio_requests(draw) -> tuple[str, dict[str, str]]:
    path = draw(st.sampled_from(PATHS))
    if path.endswith(("gather", "dial")) and draw(st.booleans()):
        path += "?step=" + quote(draw(ODD_TEXT), safe="")
    names = ["CallSid", "MessageSid", "From", "Digits", "SpeechResult", "Body", "CallStatus",
             "CallDuration", "RecordingSid", "RecordingUrl", "RecordingDuration",
             "RecordingStatus", "DialCallStatus"]  # fmt: skip
    chosen = draw(st.sets(st.sampled_from(names), min_size=1, max_size=len(names)))
    values = {"CallSid": SIDS, "MessageSid": SIDS, "From": PHONES, "RecordingSid": SIDS,
              "CallStatus": st.sampled_from(["completed", "ringing", "busy", "²"]),
              "RecordingStatus": st.sampled_from(["completed", "failed", "\x00"])}  # fmt: skip
    return path, {n: draw(values.get(n, ODD_TEXT)) for n in sorted(chosen)}


@PROPERTY
@given(request=twilio_requests())
def test_any_signed_twilio_request_is_answered_with_twiml(quiet_app, request):
    path, params = request
    resp = post_twilio(quiet_app.test_client(), path, params)
    assert resp.status_code == 200, (path, resp.data[:200])
    check_twiml(resp.data)
