"""The OpenAPI 3.1 description of /api/v1, written by hand (served without a token)."""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify

from bot.api import bp
from bot.api import defects as _defects  # noqa: F401 - registers the defect routes on bp

_ERR = {"$ref": "#/components/responses/Error"}
_ERRORS = {"400": _ERR, "401": _ERR, "404": _ERR, "409": _ERR, "422": _ERR}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


_S, _I, _B = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_DT = {"type": "string", "format": "date-time",
       "description": "ISO 8601; without an offset the time is read in Asia/Tokyo"}  # fmt: skip
_NS = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        ["error", "message"], error=_S, message=_S, errors={"type": "array", "items": _S},
        field=_S,
    ),
    "Place": _obj(
        ["kind", "name"], id=_I, kind={"enum": ["venue", "facility", "home"]}, name=_S,
        address=_NS, postal_code=_NS, area={**_NS, "description": "code from areas.yaml"},
        approved_by_city=_B, opens={**_NS, "description": "HH:MM, venues"}, closes=_NS,
        phone=_NS, note=_NS,
    ),
    "Slot": _obj(
        ["starts_at", "ends_at", "capacity"], id=_I, event_id=_I, starts_at=_DT, ends_at=_DT,
        capacity={"type": "integer", "minimum": 1}, booked=_I, places_left=_I,
    ),
    "Event": _obj(
        ["kind", "place_id", "starts_at", "ends_at"], id=_I, kind={"enum": ["visit", "venue"]},
        status={"enum": ["planned", "approved", "open", "done", "cancelled"]}, place_id=_I,
        place=_S, area=_NS, starts_at=_DT, ends_at=_DT, note=_NS, capacity=_I, booked=_I,
        slots={"type": "array", "items": {"$ref": "#/components/schemas/Slot"}},
        not_combined={**_B, "description": "PATCH status approved: confirms the event is not "
                      "combined with political, religious or for-profit events (required "
                      "for venue events)"},
    ),
    "OfficialWaiver": _obj(["reason"], event_id=_I, reason={**_S, "maxLength": 500},
                           approver=_S, at=_DT),
    "Booking": _obj(
        ["slot_id", "party_size", "phone"], id=_I, code=_S, resident_id=_I, event_id=_I,
        slot_id=_I, party_size={"type": "integer", "minimum": 1}, phone=_S,
        status={"enum": ["active", "cancelled", "done", "no_show"]}, channel=_S,
        created_at=_DT, slot_starts_at=_DT,
    ),
    "VisitRequest": _obj(
        ["status"], id=_I, resident_id=_I, kind={"enum": ["facility", "home"]},
        postal_code=_S, area=_NS, address=_S, applicants=_I,
        preferred={"type": "array", "items": _DT}, notes=_NS, contact_phone=_S,
        status={"enum": ["received", "proposed", "approved", "scheduled", "done", "declined"]},
        event_id={"type": ["integer", "null"]}, proposals={"type": "array", "items": _obj(
            [], id=_I, starts_at=_DT, ends_at=_DT, status=_S, proposed_at=_DT,
            answered_at={**_DT, "type": ["string", "null"]})},
    ),
    "Proposal": _obj(["starts_at", "ends_at"], starts_at=_DT, ends_at=_DT),
    "Staff": _obj(
        ["name", "role"], id=_I, name=_S,
        role={"enum": ["general_manager", "site_manager", "worker", "city_official"]},
        approved_by_city=_B, pledge_signed_on={"type": ["string", "null"], "format": "date"},
        active=_B, phone=_NS,
    ),
    "Assignment": _obj(
        ["event_id", "staff_id", "role"], id=_I, event_id=_I, staff_id=_I,
        role={"enum": ["general_manager", "site_manager", "worker", "city_official"]},
    ),
    "Plan": {"type": "object", "properties": {
        "period": {"type": "object"}, "from": {"type": "string", "format": "date"},
        "kinds": {"type": "object"}}},
    "ContractPeriod": _obj(
        ["name", "start", "end"], id=_I, name=_S, start={"type": "string", "format": "date"},
        end={"type": "string", "format": "date", "description": "the last day, inclusive"},
        targets={"type": "object", "description": "per kind: {events, applicants}"},
        general_manager_id={"type": ["integer", "null"]},
        site_manager_ids={"type": "array", "items": _I}, current=_B,
    ),
    # Defect follow-up (issue 7). Application ids and My Numbers are always masked.
    "Application": _obj(
        ["event_id", "name"], id=_I, event_id=_I, resident_id={"type": ["integer", "null"]},
        name=_S, name_kana={**_NS, "description": "katakana or hiragana; used for matching"},
        contact_phone={**_NS, "description": "required unless resident_id is given"},
        application_id={**_NS, "description": "23 digits in; ****-****-1234 out"},
        my_number={**_NS, "description": "only when unavoidable; ****-****-1234 out"},
        consultations=_I, created_by=_S, created_at=_DT,
    ),
    "Reveal": _obj(["field", "reason"], field={"enum": ["application_id", "my_number"]},
                   reason={**_S, "description": "why; written to the audit log"}),
    "DefectContact": _obj(
        ["channel", "outcome"], id=_I, at=_DT, direction={"enum": ["out", "in"]},
        channel={"enum": ["line", "sms", "callback", "phone", "resident", "staff"]},
        outcome=_S, attempt_no={"type": ["integer", "null"]}, outbox_id={"type": ["integer", "null"]},
        callback_id={"type": ["integer", "null"]}, actor=_S, note=_NS,
    ),
    "DefectCase": _obj(
        ["record_id", "reason", "source"], id=_I, record_id={"type": ["integer", "null"]},
        resident_id={"type": ["integer", "null"]},
        reason={"type": "string", "description": "a code from city.yaml defects.reasons"},
        reason_label=_S, detail=_NS,
        found_on={"type": "string", "format": "date", "description": "today or earlier"},
        source={"enum": ["city", "jlis", "own_check", "resident"],
                "description": "POST: city, jlis or own_check; resident is set by the bot"},
        status={"enum": ["new", "contacted", "answered", "fix_booked", "resolved", "unreachable"]},
        note={**_NS, "description": "PATCH: a note for the status change"},
        attempts=_I, next_contact_at={**_DT, "type": ["string", "null"]},
        inquiry_id={"type": ["integer", "null"]}, opened_at=_DT,
        closed_at={**_DT, "type": ["string", "null"]},
        contacts={"type": "array", "items": {"$ref": "#/components/schemas/DefectContact"}},
    ),
    "DefectCounts": {"type": "object", "properties": {
        "total": _I, "by_status": {"type": "object"}, "by_reason": {"type": "object"},
        "by_status_and_reason": {"type": "object"}}},
}  # fmt: skip


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


# Query filters of the lists; the {name} parameters come from the path itself.
_DATE = {"type": "string", "format": "date"}
_QUERY = {"from": _DT, "to": _DT, "since": _DATE, "until": _DATE}


def _op(summary: str, schema: str | None, *, many: bool = False, body: str | None = None,
        status: str = "200", query: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    content: dict[str, Any] = {}
    if schema:
        shape = {"type": "array", "items": _ref(schema)} if many else _ref(schema)
        content = {"content": {"application/json": {"schema": shape}}}
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {status: {"description": "OK", **content}, **_ERRORS},
    }
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    if query:
        op["parameters"] = [
            {"name": q, "in": "query", "required": False,
             "schema": _I if q.endswith("_id") else _QUERY.get(q, _S)}
            for q in query
        ]  # fmt: skip
    return op


def _with_path_params(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation names its path's ``{…_id}`` parameters (required whole numbers)."""
    for path, ops in paths.items():
        names = re.findall(r"{(\w+)}", path)
        for op in ops.values():
            given = [{"name": n, "in": "path", "required": True, "schema": _I} for n in names]
            if given or "parameters" in op:
                op["parameters"] = given + op.get("parameters", [])
    return paths


PATHS: dict[str, Any] = _with_path_params({
    "/places": {"get": _op("List places", "Place", many=True, query=["kind"]),
                "post": _op("Create a place", "Place", body="Place", status="201")},
    "/places/{place_id}": {"patch": _op("Update a place", "Place", body="Place")},
    "/events": {
        "get": _op("List events", "Event", many=True, query=["from", "to", "kind", "status"]),
        "post": _op("Create an event (status planned); visits only on business days "
                    "09:00–17:00, venues within the venue's hours", "Event", body="Event",
                    status="201"),
    },
    "/events/{event_id}": {
        "get": _op("One event with its slots", "Event"),
        "patch": _op("Change times, note or status (planned → approved → open → done / "
                     "cancelled). Approving a venue event needs not_combined: true (not "
                     "combined with political, religious or for-profit events). Opening needs "
                     ">= 2 of the contractor's people on site, one of them an approved site "
                     "manager, and for a visit a city official or a recorded waiver",
                     "Event", body="Event"),
    },
    "/events/{event_id}/official-waiver": {
        "post": _op("Allow a visit without a city official: the reason, recorded with the "
                    "token as approver (audited)", "OfficialWaiver", body="OfficialWaiver",
                    status="201"),
    },
    "/events/{event_id}/slots": {
        "get": _op("Slots of an event", "Slot", many=True),
        "post": _op("Add a slot", "Slot", body="Slot", status="201"),
    },
    "/slots/{slot_id}": {"patch": _op("Change capacity (never below booked)", "Slot", body="Slot")},
    "/bookings": {
        "get": _op("List bookings", "Booking", many=True, query=["event_id", "slot_id", "status"]),
        "post": _op("Book for a caller (by phone number)", "Booking", body="Booking", status="201"),
    },
    "/bookings/{booking_id}": {"patch": _op("Move (slot_id) or set status", "Booking",
                                            body="Booking")},
    "/visit-requests": {"get": _op("List visit requests", "VisitRequest", many=True,
                                   query=["status"])},
    "/visit-requests/{request_id}": {
        "get": _op("One visit request", "VisitRequest"),
        "patch": _op("Set status (approved needs an accepted proposal; scheduled needs "
                     "event_id)", "VisitRequest", body="VisitRequest"),
    },
    "/visit-requests/{request_id}/proposals": {
        "post": _op("Propose a date; the resident is told", "VisitRequest", body="Proposal",
                    status="201"),
    },
    "/staff": {"get": _op("List staff", "Staff", many=True),
               "post": _op("Add a person", "Staff", body="Staff", status="201")},
    "/staff/{staff_id}": {"patch": _op("Update a person", "Staff", body="Staff")},
    "/assignments": {
        "get": _op("List assignments", "Assignment", many=True, query=["event_id"]),
        "post": _op("Assign (pledge, approval, no double booking, city staff hours)",
                    "Assignment", body="Assignment", status="201"),
    },
    "/assignments/{assignment_id}": {
        "patch": _op("Change the role", "Assignment", body="Assignment"),
        "delete": _op("Remove (not from an open event)", None, status="204"),
    },
    "/contract-periods": {"get": _op("Contract periods, the latest first (one is current)",
                                     "ContractPeriod", many=True)},
    "/plan": {"get": _op("Progress against the plan of the current contract period (or "
                         "period_id)", "Plan", query=["period_id"])},
    "/applications": {
        "get": _op("List application records (masked)", "Application", many=True,
                   query=["event_id"]),
        "post": _op("Record who applied at an event", "Application", body="Application",
                    status="201"),
    },
    "/applications/{record_id}": {
        "get": _op("One application record (masked)", "Application"),
        "patch": _op("Update an application record", "Application", body="Application"),
    },
    "/applications/{record_id}/reveal": {
        "post": _op("Show the application id or My Number in full (audited)", None, body="Reveal"),
    },
    "/defects": {
        "get": _op("List defect cases", "DefectCase", many=True,
                   query=["status", "reason", "source", "record_id"]),
        "post": _op("Open a defect case; the applicant is contacted on the cadence",
                    "DefectCase", body="DefectCase", status="201"),
    },
    "/defects/counts": {"get": _op("Cases by status, by reason and by both (found_on in "
                                   "[since, until])", "DefectCounts", query=["since", "until"])},
    "/defects/{case_id}": {
        "get": _op("One case with its contact log", "DefectCase"),
        "patch": _op("Status (new → contacted → answered → fix_booked → resolved, or "
                     "unreachable), reason, detail, or record_id of an unmatched case",
                     "DefectCase", body="DefectCase"),
    },
    "/defects/{case_id}/contacts": {
        "get": _op("The contact log", "DefectContact", many=True),
        "post": _op("Log a contact (outcome answered moves the case to answered)",
                    "DefectContact", body="DefectContact", status="201"),
    },
})  # fmt: skip

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "myna-desk staff schedule API",
        "version": "1.0.0",
        "description": "Events, slots, bookings, visit requests, staff, assignments, application "
        "records and defect cases. "
        "Errors: {error, message, errors[]} — 400 malformed, 401 no token, 404 unknown, "
        "409 conflict (full, double-booked), 422 a rule of the program.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "a token from STAFF_API_TOKENS"}},
        "responses": {"Error": {"description": "An error",
                                "content": {"application/json": {"schema": _ref("Error")}}}},
    },
}  # fmt: skip


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)
