"""Places (venues, facilities, homes): their rules, the city's approval, archiving.

One implementation for the staff API and the console (and the sandbox's
demo city): each operation takes the session, the acting ``Actor``, its
inputs and ``now``; it checks every rule, writes the audit entry (and the
approval row), and returns what it changed. A refusal is ``PlaceRefused``
with ``errors``: ``{field: [codes]}`` (words in
``templates/console/_labels.html``; the API answers the first field's codes).
Inputs are strings or None; an empty string is None. The caller commits.

Rules:
- a name (at most 200 characters); an address at most 500;
- a postal code of seven digits (a hyphen after the third allowed), known to
  the postal data and in the city; the area then defaults to the postal
  code's area when the code has one;
- an area, when given, is one of the city's 17 (``models/areas.py``);
- opening hours as HH:MM, both or neither, closing after opening;
- a phone number a Japanese one (10 or 11 digits), when given;
- the city's approval names who at the city approved and the day (not in the
  future; the API may leave the day out for today); the document reference is
  optional. Withdrawing it is recorded too;
- an archived place takes no new events and no approval; a place with events
  still to come (planned, approved or open) cannot be archived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.schedule_ops import PLACE_ARCHIVED, Actor, record_approval_by
from models import events as ev
from models import phone_numbers
from models.approvals import PLACE
from models.areas import get_area
from models.audit import audit
from models.places import PLACE_KINDS, Place
from models.postal import lookup, normalize_postal_code
from models.staff import RuleViolation
from scheduler.business_calendar import JST

PLACE_FIELDS = ("name", "address", "postal_code", "area", "opens", "closes", "phone", "note")
LIMITS = {"name": 200, "address": 500, "phone": 30, "note": 2000, "city_approver": 60,
          "approval_ref": 100}  # fmt: skip

MISSING, BAD_VALUE, TOO_LONG = "missing_field", "bad_value", "too_long"
BAD_AREA, BAD_TIME, BAD_PHONE, BAD_DATE = "bad_area", "bad_time", "bad_phone", "bad_date"
POSTAL_UNKNOWN, POSTAL_OUTSIDE_CITY = "postal_unknown", "postal_outside_city"
HOURS_INCOMPLETE, CLOSES_BEFORE_OPENS = "hours_incomplete", "closes_before_opens"
IN_THE_FUTURE, PLACE_IN_USE = "in_the_future", "place_in_use"

Errors = dict[str, list[str]]


class PlaceRefused(RuleViolation):
    """Every rule the input breaks, by field; ``codes``/``field``: the first field's."""

    def __init__(self, errors: Errors) -> None:
        first = next(iter(errors))
        super().__init__(*errors[first], field=first)
        self.errors = errors


@dataclass(frozen=True)
class CityApproval:
    """The city's approval of a place: who at the city, the day, the document."""

    approver: str | None
    approved_on: date | None
    reference: str | None = None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _add(errors: Errors, field: str, code: str) -> None:
    errors.setdefault(field, []).append(code)


def _hhmm(value: str | None, field: str, errors: Errors) -> time | None:
    if value is None:
        return None
    try:
        if len(value) != 5:
            raise ValueError(value)
        return time.fromisoformat(value)
    except ValueError:
        _add(errors, field, BAD_TIME)
        return None


def check_fields(kind: str, values: dict[str, str | None]) -> tuple[dict[str, str | None], Errors]:
    """The place's fields as they would be stored (postal code as 7 digits, the area
    filled from it), and every rule they break."""
    out, errors = dict(values), {}
    if kind not in PLACE_KINDS:
        _add(errors, "kind", BAD_VALUE)
    for field, most in LIMITS.items():
        if field in out and out[field] is not None and len(out[field]) > most:
            _add(errors, field, TOO_LONG)
    if not out.get("name"):
        _add(errors, "name", MISSING)
    raw_code = out.get("postal_code")
    if raw_code is not None:
        code = normalize_postal_code(raw_code)
        info = lookup(code) if code else None
        if code is None:
            _add(errors, "postal_code", BAD_VALUE)
        elif info is None:
            _add(errors, "postal_code", POSTAL_UNKNOWN)
        elif not info.in_city:
            _add(errors, "postal_code", POSTAL_OUTSIDE_CITY)
        else:
            out["postal_code"] = code
            if out.get("area") is None and info.area:
                out["area"] = info.area
    if out.get("area") is not None and get_area(out["area"]) is None:
        _add(errors, "area", BAD_AREA)
    opens = _hhmm(out.get("opens"), "opens", errors)
    closes = _hhmm(out.get("closes"), "closes", errors)
    if (out.get("opens") is None) != (out.get("closes") is None):
        _add(errors, "closes" if out.get("opens") else "opens", HOURS_INCOMPLETE)
    elif opens and closes and closes <= opens:
        _add(errors, "closes", CLOSES_BEFORE_OPENS)
    if out.get("phone") is not None and phone_numbers.domestic(out["phone"]) is None:
        _add(errors, "phone", BAD_PHONE)
    return out, errors


def _apply(session: Session, place: Place, kind: str, given: dict[str, Any]) -> list[str]:
    """Set the given fields after checking the place as a whole; the names changed."""
    current = {f: getattr(place, f) for f in PLACE_FIELDS}
    wanted = {**current, **{f: _clean(v) for f, v in given.items() if f in PLACE_FIELDS}}
    if (
        "postal_code" in given
        and "area" not in given
        and wanted["postal_code"] != current["postal_code"]
    ):
        wanted["area"] = None  # a new postal code brings its own area
    stored, errors = check_fields(kind, wanted)
    if errors:
        raise PlaceRefused(errors)
    changed = [f for f in PLACE_FIELDS if stored[f] != current[f]]
    for field in changed:
        setattr(place, field, stored[field])
    return changed


def create_place(
    session: Session, actor: Actor, kind: str, values: dict[str, Any], now: datetime,
    *, approval: CityApproval | None = None, demo: bool = False,
) -> Place:  # fmt: skip
    """A new place (not approved unless ``approval`` is given)."""
    place = Place(kind=kind, approved_by_city=False, demo=demo)
    _apply(session, place, kind, values)
    session.add(place)
    session.flush()
    audit(session, actor.name, "create", f"place:{place.id}", kind)
    if approval is not None:
        approve_place(session, actor, place, approval, now)
    return place


def update_place(
    session: Session, actor: Actor, place: Place, values: dict[str, Any], now: datetime
) -> list[str]:
    """Change the given fields; the names of those that changed (audited when any)."""
    changed = _apply(session, place, place.kind, values)
    if changed:
        session.flush()
        audit(session, actor.name, "update", f"place:{place.id}", ",".join(changed))
    return changed


def approval_errors(approval: CityApproval, now: datetime) -> Errors:
    errors: Errors = {}
    if not approval.approver:
        _add(errors, "city_approver", MISSING)
    elif len(approval.approver) > LIMITS["city_approver"]:
        _add(errors, "city_approver", TOO_LONG)
    if approval.approved_on is None:
        _add(errors, "approved_on", BAD_DATE)
    elif approval.approved_on > now.astimezone(JST).date():
        _add(errors, "approved_on", IN_THE_FUTURE)
    if approval.reference and len(approval.reference) > LIMITS["approval_ref"]:
        _add(errors, "approval_ref", TOO_LONG)
    return errors


def approve_place(
    session: Session, actor: Actor, place: Place, approval: CityApproval, now: datetime
) -> Place:
    """Record the city's approval (again, when its details change): the place, an
    approval row with who entered it, and the audit entry."""
    approval = CityApproval(_clean(approval.approver), approval.approved_on,
                            _clean(approval.reference))  # fmt: skip
    errors = approval_errors(approval, now)
    if place.archived_at is not None:
        errors = {"form": [PLACE_ARCHIVED], **errors}
    if errors:
        raise PlaceRefused(errors)
    place.approved_by_city = True
    place.city_approver, place.approved_on = approval.approver, approval.approved_on
    place.approval_ref = approval.reference
    session.flush()
    record_approval_by(session, actor, PLACE, place.id, now)
    audit(session, actor.name, "approve", f"place:{place.id}",
          f"approved_on {approval.approved_on.isoformat()}")  # fmt: skip
    return place


def withdraw_approval(session: Session, actor: Actor, place: Place) -> bool:
    """The place is no longer approved (its recorded details are cleared); False if it was not."""
    if not place.approved_by_city:
        return False
    place.approved_by_city = False
    place.city_approver = place.approved_on = place.approval_ref = None
    audit(session, actor.name, "withdraw_approval", f"place:{place.id}")
    return True


def events_to_come(session: Session, place: Place, now: datetime) -> int:
    """Live events (planned, approved, open) at the place that have not ended."""
    return len(
        session.scalars(
            select(ev.SupportEvent.id).where(
                ev.SupportEvent.place_id == place.id,
                ev.SupportEvent.status.in_(ev.LIVE),
                ev.SupportEvent.ends_at > now,
            )
        ).all()
    )


def archive_place(session: Session, actor: Actor, place: Place, now: datetime) -> bool:
    """Out of use: no new events; refused while events are still to come there."""
    if place.archived_at is not None:
        return False
    if events_to_come(session, place, now):
        raise PlaceRefused({"form": [PLACE_IN_USE]})
    place.archived_at = now
    audit(session, actor.name, "archive", f"place:{place.id}")
    return True


def restore_place(session: Session, actor: Actor, place: Place) -> bool:
    if place.archived_at is None:
        return False
    place.archived_at = None
    audit(session, actor.name, "restore", f"place:{place.id}")
    return True
