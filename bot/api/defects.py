"""Application records and defect cases in the staff API (/api/v1, token-authenticated).

Application ids and My Numbers are masked (``****-****-1234``) in every
response; ``POST /applications/<id>/reveal`` shows one in full and writes
the audit log. Every list or view of personal data is audited as well.
Free text from staff (details, notes) is redacted before it is stored.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from flask import g, jsonify, request
from sqlalchemy import select

from bot.api import ApiError, body, bp, get_or_404, iso, need, need_one_of, uow
from bot.api import personal as pii
from bot.api.crud import listed, narrowed, viewed
from bot.api.validation import is_date
from handlers import defect_ops as ops
from models import defects as dc
from models.applications import RECORD_TEXT_FIELDS, ApplicationRecord, RecordError, create_record
from models.audit import audit
from models.base import utcnow
from models.events import SupportEvent
from models.residents import Resident


def record_json(r: ApplicationRecord) -> dict[str, Any]:
    return {
        "id": r.id, "event_id": r.event_id, "resident_id": r.resident_id,
        "name": pii.name(r.name), "name_kana": pii.name(r.name_kana),
        "contact_phone": pii.phone(r.contact_phone),
        "application_id": r.masked_application_id(), "my_number": r.masked_my_number(),
        "consultations": r.consultations, "created_by": r.created_by,
        "created_at": iso(r.created_at),
    }  # fmt: skip


def contact_json(c: dc.ContactAttempt) -> dict[str, Any]:
    return {
        "id": c.id, "at": iso(c.at), "direction": c.direction, "channel": c.channel,
        "outcome": c.outcome, "attempt_no": c.attempt_no, "outbox_id": c.outbox_id,
        "callback_id": c.callback_id, "actor": c.actor, "note": c.note,
    }  # fmt: skip


def case_json(c: dc.DefectCase, *, contacts: bool = False) -> dict[str, Any]:
    out = {
        "id": c.id, "record_id": c.record_id, "resident_id": c.resident_id, "reason": c.reason,
        "reason_label": dc.reason_label(c.reason), "detail": c.detail,
        "found_on": c.found_on.isoformat(), "source": c.source, "status": c.status,
        "attempts": c.attempts, "next_contact_at": iso(c.next_contact_at),
        "inquiry_id": c.inquiry_id, "opened_at": iso(c.opened_at), "closed_at": iso(c.closed_at),
    }  # fmt: skip
    if contacts:
        out["contacts"] = [contact_json(a) for a in c.contacts]
    return out


def _clean(text: Any, field: str) -> str | None:
    if text is not None and not isinstance(text, str):
        raise ApiError("bad_value", field=field)
    try:
        return ops.clean_text(text, field)
    except dc.CaseError as err:
        raise ApiError(err.code, field=err.field) from None


def _date(value: Any, field: str) -> date:
    if not is_date(value):
        raise ApiError("bad_value", field=field)
    return date.fromisoformat(value)


def _count(data: dict[str, Any]) -> int:
    n = data.get("consultations", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 100:
        raise ApiError("bad_value", field="consultations")
    return n


# --- application records --------------------------------------------------------------


@bp.get("/applications")
def applications_list():
    query = select(ApplicationRecord).order_by(ApplicationRecord.id)
    query = narrowed(query, ApplicationRecord, ids=("event_id",))
    return listed(query, record_json, audited_as="applications")


@bp.post("/applications")
def applications_create():
    data = body()
    for field in RECORD_TEXT_FIELDS[1:]:
        if data.get(field) is not None and not isinstance(data[field], str):
            raise ApiError("bad_value", field=field)
    with uow() as s:
        get_or_404(s, SupportEvent, need(data, "event_id", int))
        resident_id = data.get("resident_id")
        if resident_id is not None:
            get_or_404(s, Resident, need(data, "resident_id", int))
        if not data.get("contact_phone") and resident_id is None:
            raise ApiError("missing_field", field="contact_phone")
        try:
            record = create_record(
                s, event_id=data["event_id"], name=need(data, "name"), created_by=g.api_actor,
                name_kana=data.get("name_kana"), contact_phone=data.get("contact_phone"),
                application_id=data.get("application_id"), my_number=data.get("my_number"),
                consultations=_count(data), resident_id=resident_id,
            )  # fmt: skip
        except RecordError as err:
            raise ApiError(err.code, field=err.field, status=422) from None
        audit(s, g.api_actor, "create", f"application:{record.id}")
        s.commit()
        return jsonify(record_json(record)), 201


@bp.get("/applications/<int:record_id>")
def applications_get(record_id: int):
    return viewed(ApplicationRecord, record_id, record_json,
                  audited_as=f"application:{record_id}")  # fmt: skip


@bp.patch("/applications/<int:record_id>")
def applications_update(record_id: int):
    data = body()
    with uow() as s:
        record = get_or_404(s, ApplicationRecord, record_id)
        try:
            if "name" in data:
                record.name = need(data, "name")
            setters = {"name_kana": record.set_name_kana, "contact_phone": record.set_contact_phone,
                       "application_id": record.set_application_id,
                       "my_number": record.set_my_number}  # fmt: skip
            for field, setter in setters.items():
                if field in data:
                    if data[field] is not None and not isinstance(data[field], str):
                        raise ApiError("bad_value", field=field)
                    setter(data[field])
        except RecordError as err:
            raise ApiError(err.code, field=err.field, status=422) from None
        if "consultations" in data:
            record.consultations = _count(data)
        if "resident_id" in data:
            record.resident_id = get_or_404(s, Resident, need(data, "resident_id", int)).id
        audit(s, g.api_actor, "update", f"application:{record_id}")
        s.commit()
        return jsonify(record_json(record))


@bp.post("/applications/<int:record_id>/reveal")
def applications_reveal(record_id: int):
    """One field in full, for a stated reason; always written to the audit log."""
    data = body()
    field = need_one_of(data, "field", ("application_id", "my_number"))
    reason = _clean(need(data, "reason"), "reason")
    with uow() as s:
        record = get_or_404(s, ApplicationRecord, record_id)
        try:
            value = ops.reveal(s, g.api_actor, record, field, reason,
                               allowed=("application_id", "my_number"))  # fmt: skip
        except RecordError as err:
            raise ApiError(err.code, field=err.field) from None
        s.commit()
        return jsonify({"id": record_id, "field": field, "value": value})


# --- defect cases ----------------------------------------------------------------------


@bp.get("/defects")
def defects_list():
    query = narrowed(select(dc.DefectCase).order_by(dc.DefectCase.id), dc.DefectCase,
                     ids=("record_id",), values=("status", "reason", "source"))  # fmt: skip
    return listed(query, case_json, audited_as="defects")


@bp.get("/defects/counts")
def defects_counts():
    since = _date(request.args["since"], "since") if request.args.get("since") else None
    until = _date(request.args["until"], "until") if request.args.get("until") else None
    with uow() as s:
        return jsonify(dc.counts_by_status_and_reason(s, since=since, until=until))


@bp.post("/defects")
def defects_create():
    """Staff open a case (sources city, jlis, own_check; found on today or earlier)."""
    data = body()
    reason, source = need(data, "reason"), need(data, "source")
    found_on = _date(data["found_on"], "found_on") if data.get("found_on") else None
    detail = data.get("detail")
    if detail is not None and not isinstance(detail, str):
        raise ApiError("bad_value", field="detail")
    with uow() as s:
        record = get_or_404(s, ApplicationRecord, need(data, "record_id", int))
        try:
            case = ops.open_case(s, g.api_actor, record, reason=reason, source=source,
                                 found_on=found_on, detail=detail, now=utcnow())  # fmt: skip
        except dc.CaseError as err:
            raise ApiError(err.code, field=err.field) from None
        s.commit()
        return jsonify(case_json(case, contacts=True)), 201


@bp.get("/defects/<int:case_id>")
def defects_get(case_id: int):
    return viewed(dc.DefectCase, case_id, partial(case_json, contacts=True),
                  audited_as=f"defect:{case_id}")  # fmt: skip


@bp.patch("/defects/<int:case_id>")
def defects_update(case_id: int):
    """Status (the transition table), reason, detail, or the record of an unmatched case."""
    data = body()
    now = utcnow()
    with uow() as s:
        case = get_or_404(s, dc.DefectCase, case_id)
        if "record_id" in data:
            record = get_or_404(s, ApplicationRecord, need(data, "record_id", int))
            case.record_id = record.id
            s.expire(case, ["record"])
            if case.resident_id is None:
                case.resident_id = record.resident_id
        if "reason" in data:
            if data["reason"] not in dc.reason_codes():
                raise ApiError("bad_value", field="reason")
            case.reason = data["reason"]
        if "detail" in data:
            case.detail = _clean(data["detail"], "detail")
        if "status" in data:
            status = need_one_of(data, "status", dc.STATUSES)
            try:
                dc.transition(s, case, status, now=now, actor=g.api_actor,
                              note=_clean(data.get("note"), "note"))  # fmt: skip
            except dc.IllegalTransition as err:
                raise ApiError("bad_transition", field="status") from err
        audit(s, g.api_actor, "update", f"defect:{case_id}")
        s.commit()
        return jsonify(case_json(case, contacts=True))


@bp.get("/defects/<int:case_id>/contacts")
def defects_contacts(case_id: int):
    with uow() as s:
        case = get_or_404(s, dc.DefectCase, case_id)
        return jsonify([contact_json(a) for a in case.contacts])


@bp.post("/defects/<int:case_id>/contacts")
def defects_log_contact(case_id: int):
    """Staff log a contact (a call made, a note); "answered" also moves the case on."""
    data = body()
    channel, outcome = need(data, "channel"), need(data, "outcome")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise ApiError("bad_value", field="note")
    with uow() as s:
        case = get_or_404(s, dc.DefectCase, case_id)
        try:
            attempt = ops.log_staff_contact(s, g.api_actor, case, channel=channel,
                                            outcome=outcome, note=note, now=utcnow())  # fmt: skip
        except dc.CaseError as err:
            raise ApiError(err.code, field=err.field) from None
        s.commit()
        return jsonify(contact_json(attempt)), 201
