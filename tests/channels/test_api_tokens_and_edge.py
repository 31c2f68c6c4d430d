"""Staff API: scoped tokens (role, expiry, revocation), masked personal fields, audited
reveals, and the hostile inputs of issue 13 refused with a clear 400/401/404, never a 5xx."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.api_tokens import ApiToken
from models.audit import AuditEntry
from models.db import db
from tests.api_helpers import Api, ok, token
from tests.booking_factories import jst, venue_event

INT32_MAX = 2**31 - 1
PHONE = "+819012345678"


@pytest.fixture
def booked(api_app):
    """One open venue event with a booking by phone; returns (event id, slot id)."""
    from handlers.schedule_ops import Actor, book_for_caller

    with db.unit_of_work() as s:
        event = venue_event(s, jst(2027, 1, 16, 10), status="open")
        s.flush()
        book_for_caller(s, Actor("test"), event.slots[0].id, 1, PHONE)
        s.commit()
        return event.id, event.slots[0].id


def _audit(action: str) -> list[AuditEntry]:
    with db.reader() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        s.expunge_all()
        return list(rows)


def test_a_read_token_sees_phones_masked_and_cannot_write(api_app, booked):
    api = Api(api_app, token("read_schedule", name="calendar"))
    [booking] = ok(api.get("/bookings"))
    assert booking["phone"].endswith("78") and "9012345" not in booking["phone"]
    refused = api.post("/places", {"kind": "venue", "name": "会場"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    [entry] = _audit("view")
    assert entry.actor == "api:calendar" and entry.target == "bookings"


def test_a_write_token_writes_but_sees_personal_fields_masked(api_app, booked):
    api = Api(api_app, token("write_schedule", name="scheduler"))
    ok(api.post("/places", {"kind": "venue", "name": "会場"}), 201)
    [booking] = ok(api.get("/bookings"))
    assert PHONE not in json.dumps(booking)
    assert api.post("/applications/1/reveal", {"field": "my_number", "reason": "x"}).status_code == 403


def test_a_personal_data_token_sees_the_phone_and_each_showing_is_audited_as_a_reveal(
    api_app, booked
):
    api = Api(api_app, token("personal_data", name="office"))
    [booking] = ok(api.get("/bookings"))
    assert booking["phone"] == PHONE
    [entry] = _audit("reveal")
    assert entry.actor == "api:office" and entry.target == "bookings"
    assert "personal_data" in entry.reason


def test_an_environment_token_is_write_schedule(api_app, booked):
    from tests.api_helpers import ENV_TOKEN

    api = Api(api_app, ENV_TOKEN)
    [booking] = ok(api.get("/bookings"))
    assert booking["phone"] != PHONE
    ok(api.post("/places", {"kind": "venue", "name": "会場"}), 201)


def test_expired_and_revoked_tokens_are_refused(api_app):
    value = token("read_schedule", name="old")
    with db.unit_of_work() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.name == "old")).one()
        row.expires_at = row.created_at - timedelta(seconds=1)
        s.commit()
    assert Api(api_app, value).get("/events").status_code == 401
    other = token("read_schedule", name="gone")
    runner = api_app.test_cli_runner()
    assert runner.invoke(args=["api-token", "revoke", "--name", "gone"]).exit_code == 0
    assert Api(api_app, other).get("/events").status_code == 401


def test_the_cli_creates_lists_and_keeps_only_a_hash(api_app):
    runner = api_app.test_cli_runner()
    made = runner.invoke(args=["api-token", "create", "--name", "city-calendar",
                               "--role", "read_schedule", "--days", "30"])  # fmt: skip
    assert made.exit_code == 0, made.output
    value = made.output.splitlines()[0]
    assert Api(api_app, value).get("/events").status_code == 200
    listed = runner.invoke(args=["api-token", "list"]).output
    assert "city-calendar\tread_schedule\tactive" in listed and value not in listed
    with db.reader() as s:
        assert value not in str([(t.token_hash, t.name) for t in s.scalars(select(ApiToken))])
    bad = runner.invoke(args=["api-token", "create", "--name", "x", "--role", "root",
                              "--days", "3"])  # fmt: skip
    assert bad.exit_code != 0


@pytest.mark.parametrize("header", ["Bearer tökén", "Bearer \u3042" * 3, "Bearer " + "x" * 5000])
def test_a_non_ascii_or_huge_bearer_token_is_a_401(api_app, header):
    client = api_app.test_client()
    resp = client.get("/api/v1/events", headers={"Authorization": header.encode().decode("latin-1")})
    assert resp.status_code == 401 and resp.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize("path", [f"/events/{INT32_MAX + 1}", "/events/99999999999999999999",
                                  "/bookings/2147483648", "/events/１２"])  # fmt: skip
def test_ids_beyond_int32_in_the_path_are_a_404(api, path):
    resp = api.get(path) if "bookings" not in path else api.patch(path, {"status": "done"})
    assert resp.status_code in (404, 405) and resp.is_json


@pytest.mark.parametrize("query", [f"event_id={INT32_MAX + 1}", "event_id=-1", "event_id=²",
                                   "event_id=1%00", "status=act%00ive", "status=%ED%A0%80"])
def test_bad_query_values_are_a_400_naming_the_parameter(api, query):
    resp = api.get(f"/bookings?{query}")
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["field"] in ("event_id", "status")


@pytest.mark.parametrize("body, field", [
    ({"slot_id": INT32_MAX + 1, "party_size": 1, "phone": PHONE}, "slot_id"),
    ({"slot_id": 1, "party_size": 1, "phone": 9012345678}, "phone"),
    ({"slot_id": 1, "party_size": 1.5, "phone": PHONE}, "party_size"),
    ({"slot_id": 1, "party_size": 1, "phone": "090\u0000"}, "phone"),
    ({"slot_id": 1, "party_size": 1}, "phone"),
    ({"slot_id": 1, "party_size": 1, "phone": PHONE, "extra": 1}, "extra"),
])  # fmt: skip
def test_bad_bodies_are_a_400_naming_the_field_never_the_value(api, body, field):
    resp = api.post("/bookings", body)
    answer = resp.get_json()
    assert resp.status_code == 400 and answer["field"] == field, answer
    assert "9012345678" not in json.dumps(answer) and answer["message"]


def test_an_eight_character_postal_code_is_a_400_and_a_hyphenated_one_is_stored_as_seven(api):
    resp = api.post("/places", {"kind": "venue", "name": "会場", "postal_code": "75000012"})
    assert resp.status_code == 400 and resp.get_json()["field"] == "postal_code"
    place = ok(api.post("/places", {"kind": "venue", "name": "会場", "postal_code": "750-0012"}), 201)
    assert place["postal_code"] == "7500012"


@pytest.mark.parametrize("raw", [b'{"name": NaN}', b'{"a": Infinity}', b"[" * 5000 + b"]" * 5000,
                                 b'{"name": "\\ud800"}', b"\xff\xfe"])  # fmt: skip
def test_bodies_that_are_not_json_we_take_are_a_400(api, raw):
    resp = api.raw.post("/api/v1/places", data=raw, headers={**api.headers,
                                                            "Content-Type": "application/json"})
    assert resp.status_code == 400, resp.data


def test_the_document_lists_every_status_an_operation_answers(api_app):
    spec = api_app.test_client().get("/api/v1/openapi.json").get_json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"401", "403"} <= codes, (method, path)
            assert op["x-token-role"] in ("read_schedule", "write_schedule", "personal_data")
            if "requestBody" in op:
                assert {"400", "409", "422"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)


def test_requests_are_checked_against_the_published_document(api_app):
    """The validator reads the very document served: a change to one is a change to both."""
    from bot.api.validation import compile_operations

    spec = api_app.test_client().get("/api/v1/openapi.json").get_json()
    ops = compile_operations(spec)
    assert ops.keys() == api_app.extensions["api_operations"].keys()
    assert ops[("POST", "/bookings")].body.is_valid({"slot_id": 1, "party_size": 1, "phone": "x"})
    assert not ops[("POST", "/bookings")].body.is_valid({"slot_id": 0, "party_size": 1})
