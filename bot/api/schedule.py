"""Places, events and slots in the staff schedule API."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.api import ApiError, actor, body, bp, get_or_404, iso, need, need_one_of, parse_dt, uow
from bot.api import personal as pii
from bot.api.crud import listed, narrowed, viewed
from handlers import place_ops, visit_ops
from handlers import schedule_ops as ops
from models import events as ev
from models.base import utcnow
from models.places import PLACE_KINDS, Place, list_places
from models.staff import RuleViolation
from scheduler.business_calendar import JST

PLACE_FIELDS = ("name", "address", "postal_code", "area", "approved_by_city", "opens", "closes",
                "phone", "note", "city_approver", "approval_ref")  # fmt: skip
APPROVAL_FIELDS = ("city_approver", "approved_on", "approval_ref")


def place_json(p: Place) -> dict[str, Any]:
    out = {"id": p.id, "kind": p.kind, **{f: getattr(p, f) for f in PLACE_FIELDS}}
    out["approved_on"] = p.approved_on.isoformat() if p.approved_on else None
    out["archived"] = p.archived_at is not None
    if p.kind == "home":  # a resident's home: who lives where is personal
        out["name"], out["address"] = pii.name(p.name), pii.hidden(p.address)
        out["phone"] = pii.phone(p.phone)
    return out


def slot_json(s: ev.Slot) -> dict[str, Any]:
    return {
        "id": s.id, "event_id": s.event_id, "starts_at": iso(s.starts_at),
        "ends_at": iso(s.ends_at), "capacity": s.capacity, "booked": s.booked,
        "places_left": s.places_left,
    }  # fmt: skip


def event_json(e: ev.SupportEvent) -> dict[str, Any]:
    return {
        "id": e.id, "kind": e.kind, "status": e.status, "place_id": e.place_id,
        "place": e.place.name, "area": e.place.area, "starts_at": iso(e.starts_at),
        "ends_at": iso(e.ends_at), "note": e.note,
        "capacity": sum(s.capacity for s in e.slots), "booked": sum(s.booked for s in e.slots),
        "slots": [slot_json(s) for s in e.slots],
    }  # fmt: skip


def _approval(data: dict[str, Any], place: Place | None) -> place_ops.CityApproval | None:
    """The city's approval the body gives (``approved_by_city`` true, or its details
    changed on an approved place); the day defaults to the one stored, else today."""
    wanted = data.get("approved_by_city")
    touches = any(f in data for f in APPROVAL_FIELDS)
    approved = place is not None and place.approved_by_city
    if wanted is False or not (wanted is True or (touches and approved)):
        return None
    keep = place if approved else None

    def given(field: str):
        return data[field] if field in data else getattr(keep, field, None)

    day = given("approved_on")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            raise ApiError("bad_value", field="approved_on") from None
    day = day or utcnow().astimezone(JST).date()
    return place_ops.CityApproval(given("city_approver"), day, given("approval_ref"))


def _values(data: dict[str, Any]) -> dict[str, Any]:
    return {f: data[f] for f in place_ops.PLACE_FIELDS if f in data}


@bp.get("/places")
def places_list():
    with uow() as s:
        rows = [place_json(p) for p in list_places(s, request.args.get("kind") or None)]
        if pii.shows_personal():
            pii.audited(s, "places", f"{len(rows)} rows")
            s.commit()
        return jsonify(rows)


@bp.post("/places")
def places_create():
    data = body()
    kind = need_one_of(data, "kind", PLACE_KINDS)
    with uow() as s:
        place = place_ops.create_place(s, actor(), kind, _values(data), utcnow(),
                                       approval=_approval(data, None))  # fmt: skip
        if data.get("archived"):
            place_ops.archive_place(s, actor(), place, utcnow())
        s.commit()
        return jsonify(place_json(place)), 201


@bp.patch("/places/<int:place_id>")
def places_update(place_id: int):
    data = body()
    with uow() as s:
        place = get_or_404(s, Place, place_id)
        now = utcnow()
        if data.get("archived") is False:
            place_ops.restore_place(s, actor(), place)
        place_ops.update_place(s, actor(), place, _values(data), now)
        if data.get("approved_by_city") is False:
            place_ops.withdraw_approval(s, actor(), place)
        approval = _approval(data, place)
        if approval is not None and not (approval.approver or "").strip():
            # Whether the approver is needed depends on the stored place (not yet
            # approved): a rule of the record, not of the body's shape → 422.
            raise ApiError("missing_field", field="city_approver", status=422)
        if approval is not None:
            place_ops.approve_place(s, actor(), place, approval, now)
        if data.get("archived") is True:
            place_ops.archive_place(s, actor(), place, now)
        s.commit()
        return jsonify(place_json(place))


def _plan(data: dict[str, Any], kind: str, place_id: int, keep: ev.SupportEvent | None = None):
    """Times from the body; a PATCH keeps the event's own where it leaves one out."""

    def at(name: str):
        if keep is None:
            return parse_dt(need(data, name, object), name)
        return parse_dt(data[name], name) if name in data else getattr(keep, name)

    return ops.EventPlan(kind, place_id, at("starts_at"), at("ends_at"))


def _slot_spec(raw: Any, field: str) -> ops.SlotSpec:
    if not isinstance(raw, dict):
        raise ApiError("bad_value", field=field)
    start = parse_dt(need(raw, "starts_at", object), f"{field}.starts_at")
    end = parse_dt(need(raw, "ends_at", object), f"{field}.ends_at")
    capacity = need(raw, "capacity", int)
    if capacity < 1:
        raise ApiError("bad_value", field=f"{field}.capacity")
    return ops.SlotSpec(start, end, capacity)


@bp.get("/events")
def events_list():
    args = request.args
    query = (
        select(ev.SupportEvent)
        .options(selectinload(ev.SupportEvent.slots))
        .order_by(ev.SupportEvent.starts_at)
    )
    if args.get("from"):
        query = query.where(ev.SupportEvent.starts_at >= parse_dt(args["from"], "from"))
    if args.get("to"):
        query = query.where(ev.SupportEvent.starts_at < parse_dt(args["to"], "to"))
    return listed(narrowed(query, ev.SupportEvent, values=("kind", "status")), event_json)


@bp.post("/events")
def events_create():
    data = body()
    kind = need_one_of(data, "kind", ev.EVENT_KINDS)
    place_id = need(data, "place_id", int)
    plan = _plan(data, kind, place_id)
    slots = [_slot_spec(raw, f"slots[{i}]") for i, raw in enumerate(data.get("slots") or [])]
    with uow() as s:
        get_or_404(s, Place, place_id)
        event = ops.create_event(s, actor(), plan, utcnow(), note=data.get("note"), slots=slots)
        s.commit()
        s.refresh(event)
        return jsonify(event_json(event)), 201


@bp.get("/events/<int:event_id>")
def events_get(event_id: int):
    return viewed(ev.SupportEvent, event_id, event_json)


@bp.patch("/events/<int:event_id>")
def events_update(event_id: int):
    data = body()
    with uow() as s:
        event = get_or_404(s, ev.SupportEvent, event_id)
        if "starts_at" in data or "ends_at" in data:
            plan = _plan(data, event.kind, event.place_id, keep=event)
            ops.reschedule_event(s, actor(), event, plan, utcnow())
        if "note" in data:
            ops.set_event_note(s, actor(), event, data["note"])
        if "status" in data:
            confirmed = data.get("not_combined")
            if confirmed is not None and not isinstance(confirmed, bool):
                raise ApiError("bad_value", field="not_combined")
            ops.change_event_status(s, actor(), event, need(data, "status"), utcnow(),
                                    not_combined=confirmed)  # fmt: skip
        s.commit()
        s.refresh(event)
        return jsonify(event_json(event))


@bp.post("/events/<int:event_id>/official-waiver")
def events_official_waiver(event_id: int):
    """A visit without a city official: the reason, recorded with the token as approver."""
    reason = need(body(), "reason")
    with uow() as s:
        event = get_or_404(s, ev.SupportEvent, event_id)
        waiver = visit_ops.waive_city_official(s, actor(), event, reason, utcnow())
        s.commit()
        return jsonify({"event_id": event.id, "reason": waiver.reason, "approver": waiver.login,
                        "at": iso(waiver.at)}), 201  # fmt: skip


@bp.get("/events/<int:event_id>/slots")
def slots_list(event_id: int):
    with uow() as s:
        return jsonify([slot_json(sl) for sl in get_or_404(s, ev.SupportEvent, event_id).slots])


@bp.post("/events/<int:event_id>/slots")
def slots_create(event_id: int):
    spec = _slot_spec(body(), "slot")
    with uow() as s:
        event = get_or_404(s, ev.SupportEvent, event_id)
        try:
            slot = ops.add_slot(s, actor(), event, spec)
        except RuleViolation as exc:
            raise ApiError(*exc.codes, field=exc.field or "slot") from None
        s.commit()
        return jsonify(slot_json(slot)), 201


@bp.patch("/slots/<int:slot_id>")
def slots_update(slot_id: int):
    capacity = need(body(), "capacity", int)
    with uow() as s:
        slot = get_or_404(s, ev.Slot, slot_id)
        if capacity < 1:
            raise ApiError("bad_value", field="capacity")
        ops.set_slot_capacity(s, actor(), slot, capacity, utcnow())
        s.commit()
        return jsonify(slot_json(slot))
