"""The component schemas of the staff API's OpenAPI document (bot/api/openapi.py).

Two kinds: what the API answers (``Place``, ``Booking`` …) and what it
accepts (``PlaceCreate``, ``PlaceUpdate`` …). Requests are validated against
the second kind (bot/api/validation.py), so the document and the code cannot
disagree on shapes: types, lengths, ranges, enums. Rules of the program
(business days, capacity, transitions) are checked by the code and answered
with 409 or 422; a request that breaks its schema is a 400.
"""

from __future__ import annotations

from typing import Any

from handlers.numbers import INT32_MAX

# Text that can be stored: no NUL, no lone surrogate (PostgreSQL and UTF-8 refuse them).
TEXT_PATTERN = "^[^\\u0000\\uD800-\\uDFFF]*$"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_PATTERN = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?"
    "(Z|[+-][0-9]{2}:[0-9]{2})?$"
)


def text(max_length: int, *, min_length: int = 0, nullable: bool = False, **extra) -> dict:
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string",
                              "maxLength": max_length, "pattern": TEXT_PATTERN, **extra}  # fmt: skip
    if min_length:
        schema["minLength"] = min_length
    return schema


def integer(minimum: int = 0, maximum: int = INT32_MAX, *, nullable: bool = False) -> dict:
    kind: Any = ["integer", "null"] if nullable else "integer"
    return {"type": kind, "minimum": minimum, "maximum": maximum}


def enum(*values: str, nullable: bool = False) -> dict:
    return {"enum": [*values, None] if nullable else list(values)}


ID = integer(1)
NID = integer(1, nullable=True)
S, B, NS = {"type": "string"}, {"type": "boolean"}, {"type": ["string", "null"]}
COUNT = {"type": "integer", "minimum": 0}
DT = {"type": "string", "format": "date-time",
      "description": "ISO 8601; without an offset the time is read in Asia/Tokyo"}  # fmt: skip
NDT = {**DT, "type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}
DT_IN = {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN,
         "description": "ISO 8601 (YYYY-MM-DDTHH:MM[:SS][offset]); without an offset the "
                        "time is read in Asia/Tokyo"}  # fmt: skip
DATE_IN = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
MASKED = "masked (all but the last 2 characters) unless the token's role is personal_data"
PHONE_OUT = {"type": ["string", "null"], "description": MASKED}

PLACE_KINDS = ("venue", "facility", "home")
EVENT_KINDS = ("visit", "venue")
EVENT_STATUSES = ("planned", "approved", "open", "done", "cancelled")
BOOKING_STATUSES = ("active", "cancelled", "done", "no_show")
REQUEST_STATUSES = ("received", "proposed", "approved", "scheduled", "done", "declined")
STAFF_ROLES = ("general_manager", "site_manager", "worker", "city_official")
CASE_STATUSES = ("new", "contacted", "answered", "fix_booked", "resolved", "unreachable")


def obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


def body(required: list[str], **props: Any) -> dict[str, Any]:
    """A request body: only the named fields, each with its shape."""
    return {**obj(required, **props), "additionalProperties": False}


def response_schemas() -> dict[str, Any]:
    slot = obj(["id", "event_id", "starts_at", "ends_at", "capacity"], id=ID, event_id=ID,
               starts_at=DT, ends_at=DT, capacity=COUNT, booked=COUNT, places_left=COUNT)
    return {
        "Error": obj(["error", "message"], error=S, message=S, errors={"type": "array", "items": S},
                     field=S, detail={**S, "description": "the schema rule broken (400)"}),
        "Place": obj(["id", "kind", "name"], id=ID, kind=enum(*PLACE_KINDS),
                     name={**S, "description": "a home's name is masked unless personal_data"},
                     address={**NS, "description": "a home's address: " + MASKED},
                     postal_code=NS, area={**NS, "description": "code from areas.yaml"},
                     approved_by_city=B, opens={**NS, "description": "HH:MM, venues"},
                     closes=NS, phone=NS, note=NS,
                     city_approver={**NS, "description": "who at the city approved the place"},
                     approved_on={**NS, "format": "date"},
                     approval_ref={**NS, "description": "the city's document reference"},
                     archived=B),
        "Slot": slot,
        "Event": obj(["id", "kind", "status", "place_id"], id=ID, kind=enum(*EVENT_KINDS),
                     status=enum(*EVENT_STATUSES), place_id=ID, place=S, area=NS, starts_at=DT,
                     ends_at=DT, note=NS, capacity=COUNT, booked=COUNT,
                     slots={"type": "array", "items": {"$ref": "#/components/schemas/Slot"}}),
        "OfficialWaiver": obj(["event_id", "reason"], event_id=ID, reason=S, approver=S, at=DT),
        "Booking": obj(["id", "slot_id", "party_size", "status"], id=ID, code=S,
                       resident_id=ID, event_id=ID, slot_id=ID, party_size=integer(1),
                       phone=PHONE_OUT, status=enum(*BOOKING_STATUSES), channel=S,
                       created_at=DT, slot_starts_at=DT),
        "VisitRequest": obj(
            ["id", "status"], id=ID, resident_id=ID, kind=enum("facility", "home"),
            postal_code=NS, area=NS, address={**NS, "description": MASKED}, applicants=COUNT,
            preferred={"type": "array", "items": S}, notes={**NS, "description": MASKED},
            contact_phone=PHONE_OUT, status=enum(*REQUEST_STATUSES), event_id=NID,
            created_at=NDT,
            proposals={"type": "array", "items": obj(
                [], id=ID, starts_at=DT, ends_at=DT, status=S, proposed_at=NDT,
                answered_at=NDT)}),
        "Staff": obj(["id", "name", "role"], id=ID, name=S, role=enum(*STAFF_ROLES),
                     approved_by_city=B, pledge_signed_on={**NS, "format": "date"}, active=B,
                     phone=PHONE_OUT),
        "Assignment": obj(["id", "event_id", "staff_id", "role"], id=ID, event_id=ID,
                          staff_id=ID, role=enum(*STAFF_ROLES)),
        "Plan": {"type": "object", "properties": {
            "period": {"type": "object"}, "from": {"type": "string", "format": "date"},
            "kinds": {"type": "object", "description": (
                "per kind: events_done, applicants_done (= applicants_recorded, the "
                "applications staff recorded after held events, + applicants_booking_basis, "
                "booked numbers of held events with no figures yet), events_recorded, "
                "events_scheduled, applicants_scheduled, target_events, target_applicants, met")}}},
        "ContractPeriod": obj(
            ["id", "name", "start", "end"], id=ID, name=S, start=DATE,
            end={**DATE, "description": "the last day, inclusive"},
            targets={"type": "object", "description": "per kind: {events, applicants}"},
            general_manager_id=NID, site_manager_ids={"type": "array", "items": ID},
            current=B),
        "Application": obj(
            ["id", "event_id", "name"], id=ID, event_id=ID, resident_id=NID,
            name={**S, "description": "only its first character unless personal_data"},
            name_kana={**NS, "description": "katakana or hiragana; masked like name"},
            contact_phone=PHONE_OUT,
            application_id={**NS, "description": "23 digits in; ****-****-1234 out"},
            my_number={**NS, "description": "only when unavoidable; ****-****-1234 out"},
            consultations=COUNT, created_by=S, created_at=DT),
        "Revealed": obj(["id", "field", "value"], id=ID, field=enum("application_id", "my_number"),
                        value=NS),
        "DefectContact": obj(
            ["id", "channel", "outcome"], id=ID, at=DT, direction=enum("out", "in"),
            channel=enum("line", "sms", "callback", "phone", "resident", "staff"), outcome=S,
            attempt_no={"type": ["integer", "null"]}, outbox_id=NID, callback_id=NID, actor=S,
            note=NS),
        "DefectCase": obj(
            ["id", "reason", "source", "status"], id=ID, record_id=NID, resident_id=NID,
            reason={**S, "description": "a code from city.yaml defects.reasons"},
            reason_label=S, detail=NS, found_on={**S, "format": "date"},
            source=enum("city", "jlis", "own_check", "resident"), status=enum(*CASE_STATUSES),
            attempts=COUNT, next_contact_at=NDT, inquiry_id=NID, opened_at=DT, closed_at=NDT,
            contacts={"type": "array", "items": {"$ref": "#/components/schemas/DefectContact"}}),
        "DefectCounts": {"type": "object", "properties": {
            "total": COUNT, "by_status": {"type": "object"}, "by_reason": {"type": "object"},
            "by_status_and_reason": {"type": "object"}}},
    }  # fmt: skip


def request_schemas(*, reasons: tuple[str, ...], max_party: int) -> dict[str, Any]:
    """What each write accepts; ``reasons`` (city.yaml) and ``max_party`` come from the city."""
    name = text(200, min_length=1)
    note = text(2000, nullable=True)
    phone = text(30)
    place_fields = dict(
        name=name, address=text(500, nullable=True),
        postal_code={"type": ["string", "null"], "pattern": "^[0-9]{3}-?[0-9]{4}$",
                     "description": "7 digits, a hyphen after the third allowed"},
        area=text(20, nullable=True), approved_by_city=B,
        opens={"type": ["string", "null"], "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
        closes={"type": ["string", "null"], "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
        phone=text(30, nullable=True), note=note,
        city_approver={**text(60, nullable=True), "description": (
            "who at the city approved the place; required when approved_by_city becomes true")},
        approved_on={**DATE_IN, "type": ["string", "null"],
                     "description": "the day the city approved (default: today)"},
        approval_ref={**text(100, nullable=True), "description": "the city's document reference"},
        archived={"type": "boolean", "description": (
            "archived places take no new events; refused while events are still to come")},
    )
    slot_fields = dict(starts_at=DT_IN, ends_at=DT_IN, capacity=integer(1, 10_000))
    slot_create = body(["starts_at", "ends_at", "capacity"], **slot_fields)
    staff_fields = dict(name=name, role=enum(*STAFF_ROLES), approved_by_city=B, active=B,
                        pledge_signed_on={**DATE_IN, "type": ["string", "null"]},
                        phone=text(30, nullable=True))
    record_fields = dict(
        name=text(100, min_length=1), name_kana=text(100, nullable=True),
        contact_phone=text(30, nullable=True),
        application_id={**text(40, nullable=True), "description": "23 digits"},
        my_number={**text(40, nullable=True), "description": "12 digits; only when unavoidable"},
        consultations=integer(0, 100),
    )
    reason = enum(*reasons) if reasons else text(20)
    return {
        "PlaceCreate": {
            **body(["kind", "name"], kind=enum(*PLACE_KINDS), **place_fields),
            # A place created as approved names who at the city approved it.
            "anyOf": [
                {"required": ["city_approver"],
                 "properties": {"city_approver": {"type": "string", "pattern": "\\S"}}},
                {"not": {"required": ["approved_by_city"],
                         "properties": {"approved_by_city": {"const": True}}}},
            ],
        },
        "PlaceUpdate": body([], **place_fields),
        "EventCreate": body(["kind", "place_id", "starts_at", "ends_at"], kind=enum(*EVENT_KINDS),
                            place_id=ID, starts_at=DT_IN, ends_at=DT_IN, note=note,
                            slots={"type": "array", "maxItems": 100, "items": slot_create}),
        "EventUpdate": body([], starts_at=DT_IN, ends_at=DT_IN, note=note,
                            status=enum(*EVENT_STATUSES),
                            not_combined={"type": "boolean", "description": (
                                "with status approved: confirms the event is not combined with "
                                "political, religious or for-profit events (required for venue "
                                "events)")}),
        "OfficialWaiverCreate": body(["reason"], reason=text(500, min_length=1)),
        "SlotCreate": slot_create,
        "SlotUpdate": body(["capacity"], capacity=slot_fields["capacity"]),
        "BookingCreate": body(["slot_id", "party_size", "phone"], slot_id=ID,
                              party_size=integer(1, max_party), phone=phone),
        "BookingUpdate": body([], slot_id=ID, status=enum(*BOOKING_STATUSES, nullable=True)),
        "VisitRequestUpdate": body(["status"], status=enum(*REQUEST_STATUSES), event_id=NID),
        "Proposal": body(["starts_at", "ends_at"], starts_at=DT_IN, ends_at=DT_IN),
        "StaffCreate": body(["name", "role"], **staff_fields),
        "StaffUpdate": body([], **staff_fields),
        "AssignmentCreate": body(["event_id", "staff_id", "role"], event_id=ID, staff_id=ID,
                                 role=enum(*STAFF_ROLES)),
        "AssignmentUpdate": body(["role"], role=enum(*STAFF_ROLES)),
        "ApplicationCreate": {
            **body(["event_id", "name"], event_id=ID, resident_id=NID, **record_fields),
            # Someone must be reachable about a defect: the phone, or the resident's account.
            "anyOf": [
                {"required": ["contact_phone"],
                 "properties": {"contact_phone": {"type": "string", "minLength": 1}}},
                {"required": ["resident_id"], "properties": {"resident_id": ID}},
            ],
        },
        "ApplicationUpdate": body([], resident_id=ID, **record_fields),
        "Reveal": body(["field", "reason"], field=enum("application_id", "my_number"),
                       reason={**text(2000, min_length=1), "description": "written to the audit log"}),
        "DefectCaseCreate": body(["record_id", "reason", "source"], record_id=ID, reason=reason,
                                 source=enum("city", "jlis", "own_check"),
                                 found_on={**DATE_IN, "type": ["string", "null"],
                                           "description": "today or earlier"},
                                 detail=note),
        "DefectCaseUpdate": body([], record_id=ID, reason=reason, detail=note,
                                 status=enum(*CASE_STATUSES),
                                 note={**note, "description": "a note for the status change"}),
        "DefectContactCreate": {
            **body(["channel", "outcome"], channel=enum("phone", "staff", "line", "sms"),
                   outcome=enum("answered", "no_answer", "note"),
                   note={**note, "description": "required when outcome is note"}),
            # A note entry needs its text: a note with something in it, or another outcome.
            "anyOf": [
                {"required": ["note"], "properties": {"note": {"type": "string", "pattern": "\\S"}}},
                {"required": ["outcome"], "properties": {"outcome": enum("answered", "no_answer")}},
            ],
        },
    }  # fmt: skip
