"""Bookings, visit requests, staff, assignments, contract periods and plan progress in the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from sqlalchemy import select

from bot.api import ApiError, actor, body, bp, get_or_404, iso, need, need_one_of, parse_dt, uow
from bot.api import personal as pii
from bot.api.crud import created, listed, narrowed, updated, viewed
from handlers import booking_rules as rules
from handlers import schedule_ops as ops
from handlers import visit_ops
from models import bookings as bk
from models import contracts as ct
from models import visits as vr
from models.base import utcnow
from models.events import Slot, SupportEvent
from models.plan import progress
from models.staff import ROLES, Assignment, Staff


def booking_json(b: bk.Booking) -> dict[str, Any]:
    return {
        "id": b.id, "code": b.code, "resident_id": b.resident_id, "event_id": b.event_id,
        "slot_id": b.slot_id, "party_size": b.party_size, "status": b.status,
        "channel": b.channel, "phone": pii.phone(b.phone), "created_at": iso(b.created_at),
        "slot_starts_at": iso(b.slot.starts_at),
    }  # fmt: skip


def request_json(r: vr.VisitRequest) -> dict[str, Any]:
    return {
        "id": r.id, "resident_id": r.resident_id, "kind": r.kind, "postal_code": r.postal_code,
        "area": r.area, "address": pii.hidden(r.address), "applicants": r.applicants,
        "preferred": r.preferred, "notes": pii.hidden(r.notes),
        "contact_phone": pii.phone(r.contact_phone),
        "status": r.status, "event_id": r.event_id, "created_at": iso(r.created_at),
        "proposals": [
            {"id": p.id, "starts_at": iso(p.starts_at), "ends_at": iso(p.ends_at),
             "status": p.status, "proposed_at": iso(p.proposed_at),
             "answered_at": iso(p.answered_at)}
            for p in r.proposals
        ],
    }  # fmt: skip


def staff_json(p: Staff) -> dict[str, Any]:
    return {
        "id": p.id, "name": p.name, "role": p.role, "approved_by_city": p.approved_by_city,
        "pledge_signed_on": p.pledge_signed_on.isoformat() if p.pledge_signed_on else None,
        "active": p.active, "phone": pii.phone(p.phone),
    }  # fmt: skip


def assignment_json(a: Assignment) -> dict[str, Any]:
    return {"id": a.id, "event_id": a.event_id, "staff_id": a.staff_id, "role": a.role}


# --- bookings -----------------------------------------------------------------


@bp.get("/bookings")
def bookings_list():
    query = narrowed(select(bk.Booking).order_by(bk.Booking.id), bk.Booking,
                     ids=("event_id", "slot_id"), values=("status",))  # fmt: skip
    return listed(query, booking_json, audited_as="bookings")


@bp.post("/bookings")
def bookings_create():
    """A booking taken by staff for a caller, keyed by their phone number."""
    data = body()
    phone = rules.parse_phone(need(data, "phone"))
    if phone == rules.BAD_PHONE:
        raise ApiError("bad_phone", field="phone")
    party = need(data, "party_size", int)  # 1 … max_party: the document's range
    with uow() as s:
        get_or_404(s, Slot, need(data, "slot_id", int))
        booking = ops.book_for_caller(s, actor(), data["slot_id"], party, phone)
        s.commit()
        return jsonify(booking_json(booking)), 201


@bp.patch("/bookings/<int:booking_id>")
def bookings_update(booking_id: int):
    """Move (``slot_id``) or change status (cancelled, done, no_show)."""
    data = body()
    with uow() as s:
        booking = get_or_404(s, bk.Booking, booking_id)
        if "slot_id" in data:
            get_or_404(s, Slot, need(data, "slot_id", int))
            ops.move_booking(s, actor(), booking, data["slot_id"], utcnow())
        if data.get("status") is not None:
            ops.set_booking_status(s, actor(), booking, data["status"], utcnow())
        s.commit()
        s.refresh(booking)
        return jsonify(booking_json(booking))


# --- visit requests -------------------------------------------------------------


@bp.get("/visit-requests")
def visit_requests_list():
    query = select(vr.VisitRequest).order_by(vr.VisitRequest.id)
    query = narrowed(query, vr.VisitRequest, values=("status",))
    return listed(query, request_json, audited_as="visit_requests")


@bp.get("/visit-requests/<int:request_id>")
def visit_requests_get(request_id: int):
    return viewed(vr.VisitRequest, request_id, request_json,
                  audited_as=f"visit_request:{request_id}")  # fmt: skip


@bp.post("/visit-requests/<int:request_id>/proposals")
def proposals_create(request_id: int):
    """Propose a date; the resident is told and answers in chat."""
    data = body()
    start = parse_dt(need(data, "starts_at", object), "starts_at")
    end = parse_dt(need(data, "ends_at", object), "ends_at")
    with uow() as s:
        req = get_or_404(s, vr.VisitRequest, request_id)
        proposal = visit_ops.propose_visit(s, actor(), req, start, end, utcnow())
        s.commit()
        return jsonify(request_json(proposal.request)), 201


@bp.patch("/visit-requests/<int:request_id>")
def visit_requests_update(request_id: int):
    """Status: approved (after the resident accepted), scheduled (with event_id), done, declined."""
    data = body()
    new = need(data, "status")
    event_id = data.get("event_id")
    event_id = event_id if isinstance(event_id, int) and not isinstance(event_id, bool) else None
    with uow() as s:
        req = get_or_404(s, vr.VisitRequest, request_id)
        visit_ops.change_request_status(s, actor(), req, new, utcnow(), event_id)
        s.commit()
        return jsonify(request_json(req))


# --- staff and assignments ------------------------------------------------------


def _apply_staff(person: Staff, data: dict[str, Any]) -> None:
    if "name" in data:
        person.name = need(data, "name")
    if "role" in data:
        if data["role"] not in ROLES:
            raise ApiError("bad_value", field="role")
        person.role = data["role"]
    for field in ("approved_by_city", "active"):
        if field in data:
            setattr(person, field, need(data, field, bool))
    if "pledge_signed_on" in data:
        raw = data["pledge_signed_on"]
        try:
            person.pledge_signed_on = date.fromisoformat(raw) if raw else None
        except (TypeError, ValueError):
            raise ApiError("bad_value", field="pledge_signed_on") from None
    if "phone" in data:
        person.phone = data["phone"]


@bp.get("/staff")
def staff_list():
    return listed(select(Staff).order_by(Staff.id), staff_json, audited_as="staff")


@bp.post("/staff")
def staff_create():
    data = body()
    need(data, "name")
    need(data, "role")
    return created(Staff(), data, _apply_staff, staff_json)


@bp.patch("/staff/<int:staff_id>")
def staff_update(staff_id: int):
    return updated(Staff, staff_id, _apply_staff, staff_json)


@bp.get("/assignments")
def assignments_list():
    query = narrowed(select(Assignment).order_by(Assignment.id), Assignment, ids=("event_id",))
    return listed(query, assignment_json)


@bp.post("/assignments")
def assignments_create():
    data = body()
    role = need_one_of(data, "role", ROLES)
    with uow() as s:
        event = get_or_404(s, SupportEvent, need(data, "event_id", int))
        assignment = ops.assign_staff(s, actor(), event, need(data, "staff_id", int), role)
        s.commit()
        return jsonify(assignment_json(assignment)), 201


@bp.patch("/assignments/<int:assignment_id>")
def assignments_update(assignment_id: int):
    role = need_one_of(body(), "role", ROLES)
    with uow() as s:
        a = get_or_404(s, Assignment, assignment_id)
        ops.change_assignment_role(s, actor(), a, role)
        s.commit()
        return jsonify(assignment_json(a))


@bp.delete("/assignments/<int:assignment_id>")
def assignments_delete(assignment_id: int):
    with uow() as s:
        ops.unassign(s, actor(), get_or_404(s, Assignment, assignment_id))
        s.commit()
        return "", 204


def period_json(p: ct.ContractPeriod, current: ct.ContractPeriod | None) -> dict[str, Any]:
    return {
        "id": p.id, "name": p.name, "start": p.starts_on.isoformat(),
        "end": p.ends_on.isoformat(),
        "targets": {k: {"events": t.events, "applicants": t.applicants}
                    for k, t in p.targets.items()},
        "general_manager_id": p.general_manager_id,
        "site_manager_ids": [a.staff_id for a in p.appointments],
        "current": current is not None and p.id == current.id,
    }  # fmt: skip


@bp.get("/contract-periods")
def contract_periods_list():
    with uow() as s:
        current = ct.current_period(s)
        return jsonify([period_json(p, current) for p in ct.list_periods(s)])


@bp.get("/plan")
def plan_progress():
    """The current contract period's progress, or ``?period_id=`` another one's."""
    raw = request.args.get("period_id")
    with uow() as s:
        if raw is None:
            period = ct.current_period(s)
        elif raw.isascii() and raw.isdigit() and len(raw) < 10:
            period = ct.get_period(s, int(raw))
        else:
            raise ApiError("bad_value", field="period_id")
        if period is None:
            raise ApiError("not_found")
        return jsonify(progress(s, period))
