"""Application records and defect cases in the staff API: masked ids, audited reveals,
the transition table answered with 409, the contact log and the counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.audit import AuditEntry
from models.db import db
from tests.api_helpers import ok
from tests.booking_factories import venue_event

APP_ID = "12345678901234567890123"
MY_NUMBER = "123456789018"


@pytest.fixture
def event_id(api_app):
    with db.unit_of_work() as s:
        event = venue_event(s)
        s.commit()
        return event.id


def _record(api, event_id, **extra):
    body = {"event_id": event_id, "name": "下関 花子", "name_kana": "しものせき はなこ",
            "contact_phone": "090-1234-5678", "application_id": APP_ID,
            "my_number": MY_NUMBER, "consultations": 2, **extra}  # fmt: skip
    return ok(api.post("/applications", body), 201)


def test_the_defect_api_needs_a_token(api):
    assert api.raw.get("/api/v1/defects").status_code == 401
    assert api.raw.get("/api/v1/applications").status_code == 401


def test_application_id_and_my_number_are_masked_in_every_response(api, event_id):
    created = _record(api, event_id)
    assert created["application_id"] == "****-****-0123"
    assert created["my_number"] == "****-****-9018"
    assert (
        created["name_kana"] == "シモノセキハナコ" and created["contact_phone"] == "+819012345678"
    )
    listed = ok(api.get("/applications"))
    one = ok(api.get(f"/applications/{created['id']}"))
    for text in (str(listed), str(one)):
        assert APP_ID not in text and MY_NUMBER not in text


def test_a_reveal_shows_the_number_and_writes_the_audit_log_with_the_reason(api, event_id):
    rid = _record(api, event_id)["id"]
    assert api.post(f"/applications/{rid}/reveal", {"field": "my_number"}).status_code == 400
    shown = ok(api.post(f"/applications/{rid}/reveal",
                        {"field": "application_id", "reason": "J-LISへの照会"}))  # fmt: skip
    assert shown["value"] == APP_ID
    with db.unit_of_work() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).one()
        assert entry.target == f"application:{rid}:application_id"
        assert entry.reason == "J-LISへの照会"


@pytest.mark.parametrize(
    "field,value,status",
    [("application_id", "123", 422), ("my_number", "123456789012", 422),
     ("name_kana", "下関", 422), ("contact_phone", "12", 422), ("consultations", -1, 400)],
)  # fmt: skip
def test_a_malformed_record_field_is_refused_and_named(api, event_id, field, value, status):
    resp = api.post("/applications", {"event_id": event_id, "name": "x", "contact_phone":
                                      "0832311111", field: value})  # fmt: skip
    assert resp.status_code == status and resp.get_json()["field"] == field


def test_a_record_needs_a_way_to_reach_the_applicant(api, event_id):
    resp = api.post("/applications", {"event_id": event_id, "name": "x"})
    assert resp.status_code == 400 and resp.get_json()["field"] == "contact_phone"


def test_a_case_moves_along_the_table_and_an_illegal_step_is_409(api, event_id):
    rid = _record(api, event_id)["id"]
    case = ok(api.post("/defects", {"record_id": rid, "reason": "signature", "source": "city",
                                    "found_on": "2026-11-20",
                                    "detail": f"番号 {MY_NUMBER} の署名欄が空"}), 201)  # fmt: skip
    assert case["status"] == "new" and case["reason_label"] == "署名なし"
    assert MY_NUMBER not in case["detail"] and "[MY_NUMBER]" in case["detail"]
    cid = case["id"]
    assert ok(api.patch(f"/defects/{cid}", {"status": "resolved"}))["status"] == "resolved"
    resp = api.patch(f"/defects/{cid}", {"status": "contacted"})
    assert resp.status_code == 409 and resp.get_json()["error"] == "bad_transition"


def test_bad_reason_or_source_is_refused(api, event_id):
    rid = _record(api, event_id)["id"]
    resp = api.post("/defects", {"record_id": rid, "reason": "nope", "source": "city"})
    assert resp.status_code == 400 and resp.get_json()["field"] == "reason"
    resp = api.post("/defects", {"record_id": rid, "reason": "photo", "source": "rumour"})
    assert resp.status_code == 400 and resp.get_json()["field"] == "source"


def test_staff_cannot_open_a_case_as_the_resident_or_found_in_the_future(api, event_id):
    rid = _record(api, event_id)["id"]
    resp = api.post("/defects", {"record_id": rid, "reason": "photo", "source": "resident"})
    assert (resp.status_code, resp.get_json()["field"]) == (400, "source")
    resp = api.post("/defects", {"record_id": rid, "reason": "photo", "source": "city",
                                 "found_on": "2099-01-01"})  # fmt: skip
    assert (resp.status_code, resp.get_json()["error"]) == (422, "in_the_future")
    assert resp.get_json()["message"] == "今日より後の日付は指定できません。"


def test_a_note_without_text_is_refused(api, event_id):
    rid = _record(api, event_id)["id"]
    cid = ok(api.post("/defects", {"record_id": rid, "reason": "photo", "source": "jlis"}),
             201)["id"]  # fmt: skip
    resp = api.post(f"/defects/{cid}/contacts", {"channel": "phone", "outcome": "note"})
    assert (resp.status_code, resp.get_json()["field"]) == (400, "note")


def test_a_staff_call_is_logged_and_an_answer_moves_the_case_on(api, event_id):
    rid = _record(api, event_id)["id"]
    cid = ok(api.post("/defects", {"record_id": rid, "reason": "photo", "source": "jlis"}),
             201)["id"]  # fmt: skip
    ok(api.post(f"/defects/{cid}/contacts", {"channel": "phone", "outcome": "no_answer"}), 201)
    ok(api.post(f"/defects/{cid}/contacts", {"channel": "phone", "outcome": "answered",
                                             "note": "来週会場に来る"}), 201)  # fmt: skip
    log = ok(api.get(f"/defects/{cid}/contacts"))
    assert [c["outcome"] for c in log] == ["no_answer", "answered", "status"]
    assert ok(api.get(f"/defects/{cid}"))["status"] == "answered"


def test_counts_by_status_and_reason_are_served_for_reports(api, event_id):
    rid = _record(api, event_id)["id"]
    for reason in ("photo", "photo", "entry"):
        api.post("/defects", {"record_id": rid, "reason": reason, "source": "city"})
    counts = ok(api.get("/defects/counts"))
    assert counts["total"] == 3 and counts["by_reason"]["photo"] == 2
    assert counts["by_status_and_reason"]["new"]["entry"] == 1
    assert api.get("/defects/counts?since=bad").status_code == 400


def test_an_unmatched_case_can_be_linked_to_its_record(api, event_id, api_app):
    from models import defects as dc
    from models.base import utcnow

    with db.unit_of_work() as s:
        cid = dc.open_case(s, reason="other", source="resident", created_by="t",
                           now=utcnow()).id  # fmt: skip
        s.commit()
    rid = _record(api, event_id)["id"]
    assert ok(api.patch(f"/defects/{cid}", {"record_id": rid}))["record_id"] == rid


def test_the_openapi_description_lists_the_defect_endpoints(api):
    spec = ok(api.raw.get("/api/v1/openapi.json"))
    for path in (
        "/applications",
        "/applications/{record_id}/reveal",
        "/defects",
        "/defects/{case_id}",
        "/defects/{case_id}/contacts",
        "/defects/counts",
    ):
        assert path in spec["paths"]  # fmt: skip
