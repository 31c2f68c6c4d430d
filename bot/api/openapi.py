"""The OpenAPI 3.1 description of /api/v1 (served without a token).

Built once per app from the schemas in ``bot/api/schemas.py`` and the
city's data (defect reasons, the largest party); ``bot/api/validation.py``
validates every request against this same document. Each operation names
the token role it needs (``x-token-role``) and every status it can answer.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, jsonify

from bot.api import bp
from bot.api import defects as _defects  # noqa: F401 - registers the defect routes on bp
from bot.api import schemas as sc
from models.api_tokens import PERSONAL_DATA, READ_SCHEDULE, WRITE_SCHEDULE

_STATUS_TEXT = {
    "400": "The request breaks this document (type, length, range, enum, unknown field)",
    "401": "No token, an unknown, expired or revoked one, or one that is not ASCII",
    "403": "The token's role does not allow this operation",
    "404": "No such resource (ids are 1 … 2147483647)",
    "405": "The path (with an id that is not a number) names a resource without this method",
    "409": "The state of things conflicts (full, double-booked, a transition not allowed)",
    "413": "The body is larger than 1 MiB",
    "422": "A rule of the program refuses it (business days, hours, staffing …)",
    "503": "The database is busy (a statement or lock timeout); retry later",
}
_QUERY: dict[str, dict[str, Any]] = {
    "from": sc.DT_IN, "to": sc.DT_IN, "since": sc.DATE_IN, "until": sc.DATE_IN,
    "event_id": sc.ID, "slot_id": sc.ID, "record_id": sc.ID, "period_id": sc.ID,
}  # fmt: skip
_QUERY_ENUMS = {
    "/places": {"kind": sc.PLACE_KINDS},
    "/events": {"kind": sc.EVENT_KINDS, "status": sc.EVENT_STATUSES},
    "/bookings": {"status": sc.BOOKING_STATUSES},
    "/visit-requests": {"status": sc.REQUEST_STATUSES},
    "/defects": {"status": sc.CASE_STATUSES, "source": ("city", "jlis", "own_check", "resident")},
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(summary: str, schema: str | None, *, many: bool = False, body: str | None = None,
        status: str = "200", query: tuple[str, ...] = (), role: str | None = None,
        errors: tuple[str, ...] = ()) -> dict[str, Any]:  # fmt: skip
    """One operation; ``role`` defaults to read for GET and write otherwise (set later)."""
    ok: dict[str, Any] = {"description": "OK" if status != "204" else "Done, no content"}
    if schema:
        shape = {"type": "array", "items": _ref(schema)} if many else _ref(schema)
        ok["content"] = {"application/json": {"schema": shape}}
    op: dict[str, Any] = {"summary": summary, "responses": {status: ok}, "_query": query,
                          "_errors": errors}
    if role:
        op["x-token-role"] = role
    if body:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": _ref(body)}}}  # fmt: skip
    return op


def _finish(paths: dict[str, Any], reasons: tuple[str, ...]) -> dict[str, Any]:
    """Parameters, roles and the error statuses each operation can answer."""
    for path, ops in paths.items():
        names = re.findall(r"{(\w+)}", path)
        for method, op in ops.items():
            params = [{"name": n, "in": "path", "required": True, "schema": sc.ID, "example": 1}
                      for n in names]  # fmt: skip
            enums = {**_QUERY_ENUMS.get(path, {}), **({"reason": reasons} if reasons else {})}
            for q in op.pop("_query"):
                schema = {"enum": list(enums[q])} if q in enums else _QUERY.get(q, sc.text(20))
                params.append({"name": q, "in": "query", "required": False, "schema": schema})
            if params:
                op["parameters"] = params
            op.setdefault("x-token-role", READ_SCHEDULE if method == "get" else WRITE_SCHEDULE)
            statuses = ["401", "403", "503", *op.pop("_errors")]
            if any(p["in"] == "query" for p in params):
                statuses.append("400")
            if names:  # a malformed id may name another path, which lacks this method: 405
                statuses += ["404", "405"]
            if "requestBody" in op:
                statuses += ["400", "404", "409", "413", "422"]
            if method == "delete":
                statuses += ["409", "422"]
            for code in sorted(set(statuses)):
                op["responses"][code] = {"$ref": f"#/components/responses/E{code}"}
    return paths


def _paths() -> dict[str, Any]:
    return {
        "/places": {"get": _op("List places", "Place", many=True, query=("kind",)),
                    "post": _op("Create a place", "Place", body="PlaceCreate", status="201")},
        "/places/{place_id}": {"patch": _op("Update a place", "Place", body="PlaceUpdate")},
        "/events": {
            "get": _op("List events", "Event", many=True, query=("from", "to", "kind", "status")),
            "post": _op("Create an event (status planned); visits only on business days "
                        "09:00–17:00, venues within the venue's hours", "Event",
                        body="EventCreate", status="201"),
        },
        "/events/{event_id}": {
            "get": _op("One event with its slots", "Event"),
            "patch": _op("Change times, note or status (planned → approved → open → done / "
                         "cancelled). Approving a venue event needs not_combined: true (not "
                         "combined with political, religious or for-profit events). Opening "
                         "needs >= 2 of the contractor's people on site, one of them an "
                         "approved site manager, and for a visit a city official or a recorded "
                         "waiver", "Event", body="EventUpdate"),
        },
        "/events/{event_id}/official-waiver": {
            "post": _op("Allow a visit without a city official: the reason, recorded with the "
                        "token as approver (audited)", "OfficialWaiver",
                        body="OfficialWaiverCreate", status="201"),
        },
        "/events/{event_id}/slots": {
            "get": _op("Slots of an event", "Slot", many=True),
            "post": _op("Add a slot", "Slot", body="SlotCreate", status="201"),
        },
        "/slots/{slot_id}": {"patch": _op("Change capacity (never below booked)", "Slot",
                                          body="SlotUpdate")},
        "/bookings": {
            "get": _op("List bookings (phone masked unless personal_data; audited)", "Booking",
                       many=True, query=("event_id", "slot_id", "status")),
            "post": _op("Book for a caller (by phone number)", "Booking", body="BookingCreate",
                        status="201"),
        },
        "/bookings/{booking_id}": {"patch": _op("Move (slot_id) or set status", "Booking",
                                                body="BookingUpdate")},
        "/visit-requests": {"get": _op("List visit requests (address and phone masked unless "
                                       "personal_data; audited)", "VisitRequest", many=True,
                                       query=("status",))},
        "/visit-requests/{request_id}": {
            "get": _op("One visit request (audited)", "VisitRequest"),
            "patch": _op("Set status (approved needs an accepted proposal; scheduled needs "
                         "event_id)", "VisitRequest", body="VisitRequestUpdate"),
        },
        "/visit-requests/{request_id}/proposals": {
            "post": _op("Propose a date; the resident is told", "VisitRequest", body="Proposal",
                        status="201"),
        },
        "/staff": {"get": _op("List staff (phone masked unless personal_data)", "Staff",
                              many=True),
                   "post": _op("Add a person", "Staff", body="StaffCreate", status="201")},
        "/staff/{staff_id}": {"patch": _op("Update a person", "Staff", body="StaffUpdate")},
        "/assignments": {
            "get": _op("List assignments", "Assignment", many=True, query=("event_id",)),
            "post": _op("Assign (pledge, approval, no double booking, city staff hours)",
                        "Assignment", body="AssignmentCreate", status="201"),
        },
        "/assignments/{assignment_id}": {
            "patch": _op("Change the role", "Assignment", body="AssignmentUpdate"),
            "delete": _op("Remove (not from an open event)", None, status="204"),
        },
        "/contract-periods": {"get": _op("Contract periods, the latest first (one is current)",
                                         "ContractPeriod", many=True)},
        "/plan": {"get": _op("Progress against the plan of the current contract period (or "
                             "period_id: 404 when there is no such period)", "Plan",
                             query=("period_id",), errors=("404",))},
        "/applications": {
            "get": _op("List application records (masked; audited)", "Application", many=True,
                       query=("event_id",)),
            "post": _op("Record who applied at an event", "Application",
                        body="ApplicationCreate", status="201"),
        },
        "/applications/{record_id}": {
            "get": _op("One application record (masked; audited)", "Application"),
            "patch": _op("Update an application record", "Application",
                         body="ApplicationUpdate"),
        },
        "/applications/{record_id}/reveal": {
            "post": _op("Show the application id or My Number in full (audited)", "Revealed",
                        body="Reveal", role=PERSONAL_DATA),
        },
        "/defects": {
            "get": _op("List defect cases", "DefectCase", many=True,
                       query=("status", "reason", "source", "record_id")),
            "post": _op("Open a defect case; the applicant is contacted on the cadence",
                        "DefectCase", body="DefectCaseCreate", status="201"),
        },
        "/defects/counts": {"get": _op("Cases by status, by reason and by both (found_on in "
                                       "[since, until])", "DefectCounts",
                                       query=("since", "until"))},
        "/defects/{case_id}": {
            "get": _op("One case with its contact log", "DefectCase"),
            "patch": _op("Status (new → contacted → answered → fix_booked → resolved, or "
                         "unreachable), reason, detail, or record_id of an unmatched case",
                         "DefectCase", body="DefectCaseUpdate"),
        },
        "/defects/{case_id}/contacts": {
            "get": _op("The contact log", "DefectContact", many=True),
            "post": _op("Log a contact (outcome answered moves the case to answered)",
                        "DefectContact", body="DefectContactCreate", status="201"),
        },
    }  # fmt: skip


def build_spec(*, reasons: tuple[str, ...], max_party: int) -> dict[str, Any]:
    error = {"application/json": {"schema": _ref("Error")}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "myna-desk staff schedule API",
            "version": "1.1.0",
            "description": "Events, slots, bookings, visit requests, staff, assignments, "
            "application records and defect cases. Errors: {error, message, errors[], field, "
            "detail}. 400: the request breaks this document; 401: no valid token; 403: the "
            "token's role (read_schedule < write_schedule < personal_data, operation field "
            "x-token-role) does not allow it; 404 unknown; 409 conflict; 422 a rule of the "
            "program. Strings never contain NUL or lone surrogates. Personal fields are masked "
            "unless the token's role is personal_data; showing them is audited.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _finish(_paths(), reasons),
        "components": {
            "schemas": {**sc.response_schemas(),
                        **sc.request_schemas(reasons=reasons, max_party=max_party)},
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "a token from `flask --app bot api-token create` (or, as "
                               "write_schedule, one from STAFF_API_TOKENS)"}},
            "responses": {f"E{code}": {"description": text, "content": error}
                          for code, text in _STATUS_TEXT.items()},
        },
    }  # fmt: skip


def spec() -> dict[str, Any]:
    """This app's document (built at registration, see bot/api/validation.py)."""
    return current_app.extensions["api_spec"]


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())
