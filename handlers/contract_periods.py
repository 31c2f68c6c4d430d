"""Creating and editing contract periods: the console's form, its rules, the audit.

The rules: a name (at most 40 characters, unique), a first and a last day
with the last after the first, no day shared with another period, every
target a whole number >= 1, the general manager a staff member holding that
role, each site manager approved by the city. Every broken rule comes back
as ``{field: [codes]}`` (words: ``templates/console/_labels.html``); a saved
change writes one audit row (``create`` / ``update``, ``contract:<id>``,
naming the fields changed). No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models.audit import audit
from models.contracts import (
    TARGET_FIELDS,
    ContractPeriod,
    SiteManagerAppointment,
    default_targets,
    find_by_name,
    lock_periods,
    overlapping,
)
from models.staff import GENERAL_MANAGER, SITE_MANAGER, Staff, list_staff

MAX_NAME = 40
MAX_TARGET = 100_000
REQUIRED, TOO_LONG, BAD_DATE, BAD_NUMBER = "required", "too_long", "bad_date", "bad_number"
ENDS_BEFORE_START, OVERLAPS, NAME_TAKEN = "ends_before_start", "period_overlaps", "name_taken"
NOT_GENERAL_MANAGER, NOT_APPROVED = "not_general_manager", "site_manager_not_approved"
ROLE_NOT_HELD = "role_not_held"
# Who may be appointed as a period's site manager (a general manager may act as one).
SITE_MANAGER_ROLES = (SITE_MANAGER, GENERAL_MANAGER)

Errors = dict[str, list[str]]


@dataclass
class PeriodForm:
    name: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    targets: dict[str, int | None] = field(default_factory=default_targets)
    general_manager_id: int | None = None
    site_manager_ids: list[int] = field(default_factory=list)


def _add(errors: Errors, name: str, code: str) -> None:
    errors.setdefault(name, []).append(code)


def _date(form: Any, name: str, errors: Errors) -> date | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        _add(errors, name, REQUIRED)
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        _add(errors, name, BAD_DATE)
        return None


def _target(form: Any, name: str, errors: Errors) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_TARGET:
        _add(errors, name, BAD_NUMBER)
        return None
    return int(raw)


def _ids(values: list[str]) -> list[int]:
    return sorted({int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 10})


def parse_form(form: Any) -> tuple[PeriodForm, Errors]:
    """Values from the submitted form (``form.getlist`` for the site managers) and
    what is malformed in it."""
    errors: Errors = {}
    f = PeriodForm(name=(form.get("name") or "").strip())
    if not f.name:
        _add(errors, "name", REQUIRED)
    elif len(f.name) > MAX_NAME:
        _add(errors, "name", TOO_LONG)
    f.starts_on = _date(form, "starts_on", errors)
    f.ends_on = _date(form, "ends_on", errors)
    f.targets = {name: _target(form, name, errors) for name in TARGET_FIELDS}
    gm = (form.get("general_manager_id") or "").strip()
    f.general_manager_id = _ids([gm])[0] if _ids([gm]) else None
    f.site_manager_ids = _ids(form.getlist("site_manager_ids"))
    return f, errors


def form_of(period: ContractPeriod) -> PeriodForm:
    return PeriodForm(
        name=period.name, starts_on=period.starts_on, ends_on=period.ends_on,
        targets={name: getattr(period, name) for name in TARGET_FIELDS},
        general_manager_id=period.general_manager_id,
        site_manager_ids=[a.staff_id for a in period.appointments],
    )  # fmt: skip


def appointable(session: Session) -> dict[str, list[Staff]]:
    """Active staff who may be chosen: general managers, and site managers (approved or
    not: an unapproved one is refused with a reason rather than hidden)."""
    people = [p for p in list_staff(session) if p.active]
    return {
        "general_managers": [p for p in people if p.role == GENERAL_MANAGER],
        "site_managers": [p for p in people if p.role in SITE_MANAGER_ROLES],
    }


def period_errors(session: Session, f: PeriodForm, except_id: int | None = None) -> Errors:
    """Every rule the (well-formed) form breaks against what is stored."""
    errors: Errors = {}
    if f.starts_on and f.ends_on:
        if f.ends_on <= f.starts_on:
            _add(errors, "ends_on", ENDS_BEFORE_START)
        elif overlapping(session, f.starts_on, f.ends_on, except_id):
            _add(errors, "starts_on", OVERLAPS)
    same_name = find_by_name(session, f.name) if f.name else None
    if same_name is not None and same_name.id != except_id:
        _add(errors, "name", NAME_TAKEN)
    if f.general_manager_id is not None:
        gm = session.get(Staff, f.general_manager_id)
        if gm is None or gm.role != GENERAL_MANAGER or not gm.active:
            _add(errors, "general_manager_id", NOT_GENERAL_MANAGER)
    for staff_id in f.site_manager_ids:
        person = session.get(Staff, staff_id)
        if person is None or person.role not in SITE_MANAGER_ROLES or not person.active:
            _add(errors, "site_manager_ids", ROLE_NOT_HELD)
        elif not person.approved_by_city:
            _add(errors, "site_manager_ids", NOT_APPROVED)
    return errors


def _apply(session: Session, period: ContractPeriod, f: PeriodForm) -> list[str]:
    """Write the form into the period; the names of the fields that changed."""
    changed = []
    values = {"name": f.name, "starts_on": f.starts_on, "ends_on": f.ends_on,
              "general_manager_id": f.general_manager_id, **f.targets}  # fmt: skip
    for name, value in values.items():
        if getattr(period, name) != value:
            setattr(period, name, value)
            changed.append(name)
    current = {a.staff_id: a for a in period.appointments}
    if set(current) != set(f.site_manager_ids):
        changed.append("site_managers")
        for staff_id, appointment in current.items():
            if staff_id not in f.site_manager_ids:
                period.appointments.remove(appointment)
        for staff_id in f.site_manager_ids:
            if staff_id not in current:
                period.appointments.append(SiteManagerAppointment(staff_id=staff_id))
    session.flush()
    session.expire(period, ["general_manager", "appointments"])
    return changed


def _describe(period: ContractPeriod, changed: list[str]) -> str:
    span = f"{period.name} {period.starts_on.isoformat()}..{period.ends_on.isoformat()}"
    return f"{span}; changed: {', '.join(changed)}" if changed else span


def create_period(
    session: Session, actor: str, f: PeriodForm
) -> tuple[ContractPeriod | None, Errors]:
    """A new period, or the broken rules (nothing written)."""
    lock_periods(session)
    errors = period_errors(session, f)
    if errors:
        return None, errors
    period = ContractPeriod(name=f.name, starts_on=f.starts_on, ends_on=f.ends_on, **f.targets)
    session.add(period)
    session.flush()
    _apply(session, period, f)
    audit(session, actor, "create", f"contract:{period.id}", _describe(period, []))
    return period, {}


def update_period(
    session: Session, actor: str, period: ContractPeriod, f: PeriodForm
) -> tuple[ContractPeriod | None, Errors]:
    """The period changed as the form says, or the broken rules (nothing written)."""
    lock_periods(session)
    errors = period_errors(session, f, except_id=period.id)
    if errors:
        return None, errors
    changed = _apply(session, period, f)
    if changed:
        audit(session, actor, "update", f"contract:{period.id}", _describe(period, changed))
    return period, {}
