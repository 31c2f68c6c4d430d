"""Staff operations on application records and defect cases (console; meant for the API too).

Each operation takes the session, the actor's name (audit and contact log),
its inputs and ``now``; it applies the rules of ``models.applications`` and
``models.defects``, writes the audit entry and returns what it made. A
refusal is a ``RecordError`` or ``CaseError`` (``code`` = the API's error
code, ``field`` = the input) or ``IllegalTransition``; nothing is changed
before the check, so the caller may still commit its own audit entries. The
caller commits. Free text from staff is redacted (no My Number, no
application id) before it is stored. No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from handlers.numbers import record_id, whole
from models import defects as dc
from models.applications import (
    RECORD_TEXT_FIELDS,
    ApplicationRecord,
    RecordError,
    create_record,
    record_errors,
)
from models.audit import audit
from personal_numbers.redact import redact
from scheduler.business_calendar import JST


@dataclass
class RecordForm:
    """A new record as typed into a form (strings), plus the inquiry that links a resident."""

    name: str = ""
    name_kana: str = ""
    contact_phone: str = ""
    application_id: str = ""
    my_number: str = ""
    consultations: str = "1"
    inquiry_id: str = ""
    resident_id: int | None = field(default=None, repr=False)


def clean_text(text: str | None, field_name: str) -> str | None:
    """Staff free text, redacted and stripped; ``CaseError`` when it is too long."""
    if text is None:
        return None
    if len(text) > dc.MAX_NOTE:
        raise dc.CaseError("bad_value", field_name)
    return redact(text).text.strip() or None


def parse_count(raw: str | None) -> int:
    """A consultations count typed into a form ("" means 1); the range is the model's rule."""
    text = (raw or "").strip()
    if not text:
        return 1
    n = whole(text, 1_000_000)
    if n is None:
        raise RecordError("bad_value", "consultations")
    probe = ApplicationRecord()
    probe.set_consultations(n)
    return n


def parse_date(raw: str | None, field_name: str) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise dc.CaseError("bad_value", field_name) from None


def record_form(data: Mapping[str, str]) -> RecordForm:
    return RecordForm(**{k: str(data.get(k, "") or "") for k in (
        *RECORD_TEXT_FIELDS, "consultations", "inquiry_id")})  # fmt: skip


def record_form_errors(session: Session, form: RecordForm) -> dict[str, list[str]]:
    """Every rule the form breaks, by field; resolves ``form.resident_id`` on the way."""
    from models.inquiries import Inquiry

    errors: dict[str, list[str]] = {}
    if form.inquiry_id.strip():
        from models.references import parse

        raw = form.inquiry_id.strip().removeprefix("No.").strip()
        ref = parse(raw)  # 問-0012 as the resident quotes it, or the bare number
        inquiry_id = record_id(ref.key) if ref and ref.kind == "inquiry" else record_id(raw)
        inquiry = session.get(Inquiry, inquiry_id) if inquiry_id else None
        if inquiry is None or inquiry.resident_id is None:
            errors.setdefault("inquiry_id", []).append("not_found")
        else:
            form.resident_id = inquiry.resident_id
    try:
        count = parse_count(form.consultations)
    except RecordError as err:
        errors.setdefault(err.field, []).append(err.code)
        count = 1
    for err in record_errors(
        name=form.name, name_kana=form.name_kana or None,
        contact_phone=form.contact_phone or None, application_id=form.application_id or None,
        my_number=form.my_number or None, consultations=count, resident_id=form.resident_id,
    ):  # fmt: skip
        if err.field == "contact_phone" and "inquiry_id" in errors:
            continue  # the inquiry was meant as the way to reach them: that error says it
        errors.setdefault(err.field, []).append(err.code)
    return errors


def add_record(session: Session, actor: str, event_id: int, form: RecordForm) -> ApplicationRecord:
    """Store a record typed into the console; ``RecordError`` (the first rule broken)."""
    errors = record_form_errors(session, form)
    if errors:
        field_name, codes = next(iter(errors.items()))
        raise RecordError(codes[0], field_name)
    record = create_record(
        session, event_id=event_id, name=form.name, created_by=actor,
        name_kana=form.name_kana or None, contact_phone=form.contact_phone or None,
        application_id=form.application_id or None, my_number=form.my_number or None,
        consultations=parse_count(form.consultations), resident_id=form.resident_id,
    )  # fmt: skip
    audit(session, actor, "create", f"application:{record.id}")
    return record


def set_consultations(session: Session, actor: str, record: ApplicationRecord, raw: str) -> None:
    n = parse_count(raw)
    record.set_consultations(n)
    audit(session, actor, "update", f"application:{record.id}", f"consultations={n}")


def reveal(
    session: Session, actor: str, record: ApplicationRecord, field_name: str, reason: str | None,
    allowed: tuple[str, ...],
) -> str | None:  # fmt: skip
    """One field in full, for a stated reason, written to the audit log first."""
    if field_name not in allowed:
        raise RecordError("bad_value", "field")
    why = clean_text(reason, "reason")
    if not why:
        raise RecordError("missing_field", "reason")
    audit(session, actor, "reveal", f"application:{record.id}:{field_name}", why[:500])
    return getattr(record, field_name)


def open_case(
    session: Session, actor: str, record: ApplicationRecord, *, reason: str, source: str,
    found_on: date | None, detail: str | None, now: datetime,
) -> dc.DefectCase:  # fmt: skip
    """A case opened by staff from an application record (reason from city.yaml)."""
    if source not in dc.STAFF_SOURCES:
        raise dc.CaseError("bad_value", "source")
    if found_on is not None and found_on > now.astimezone(JST).date():
        raise dc.CaseError("in_the_future", "found_on")
    case = dc.open_case(
        session, reason=reason, source=source, created_by=actor, now=now, record=record,
        found_on=found_on, detail=clean_text(detail, "detail"),
    )  # fmt: skip
    audit(session, actor, "create", f"defect:{case.id}")
    return case


def change_status(session: Session, actor: str, case: dc.DefectCase, to: str, now: datetime):
    """Along ``TRANSITIONS`` only (``IllegalTransition`` otherwise); logged and audited."""
    if to not in dc.STATUSES:
        raise dc.CaseError("bad_value", "status")
    dc.transition(session, case, to, now=now, actor=actor)
    audit(session, actor, "update", f"defect:{case.id}", f"status={to}")


def log_staff_contact(
    session: Session, actor: str, case: dc.DefectCase, *, channel: str, outcome: str,
    note: str | None, now: datetime,
) -> dc.ContactAttempt:  # fmt: skip
    """A call made, a meeting, a note; reaching the applicant moves the case to answered."""
    if channel not in dc.STAFF_CHANNELS:
        raise dc.CaseError("bad_value", "channel")
    if outcome not in dc.STAFF_OUTCOMES:
        raise dc.CaseError("bad_value", "outcome")
    text = clean_text(note, "note")
    if outcome == "note" and not text:
        raise dc.CaseError("missing_field", "note")
    attempt = dc.log_contact(session, case, direction="out", channel=channel, outcome=outcome,
                             now=now, actor=actor, note=text)  # fmt: skip
    if outcome == "answered" and dc.ANSWERED in dc.TRANSITIONS[case.status]:
        dc.transition(session, case, dc.ANSWERED, now=now, actor=actor)
    audit(session, actor, "update", f"defect:{case.id}", f"contact={outcome}")
    return attempt
