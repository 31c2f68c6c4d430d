"""Places, events and slots in the staff schedule API."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.api import ApiError, body, bp, get_or_404, iso, need, parse_dt, uow
from handlers import booking_views as views
from handlers.booking_rules import event_time_errors
from handlers.contract import Reply
from handlers.notify import notify
from models import events as ev
from models.areas import get_area
from models.base import utcnow
from models.bookings import ACTIVE, Booking, cancel_booking
from models.places import PLACE_KINDS, Place, list_places
from models.staff import clash_errors, staffing_errors

PLACE_FIELDS = ("name", "address", "postal_code", "area", "approved_by_city", "opens", "closes",
                "phone", "note")  # fmt: skip


def place_json(p: Place) -> dict[str, Any]:
    return {"id": p.id, "kind": p.kind, **{f: getattr(p, f) for f in PLACE_FIELDS}}


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


def _apply_place(place: Place, data: dict[str, Any]) -> None:
    for field in PLACE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "approved_by_city":
            if not isinstance(value, bool):
                raise ApiError("bad_value", field=field)
        elif value is not None and not isinstance(value, str):
            raise ApiError("bad_value", field=field)
        setattr(place, field, value)
    if place.area is not None and get_area(place.area) is None:
        raise ApiError("bad_area", field="area")
    for field in ("opens", "closes"):
        value = getattr(place, field)
        if value is not None:
            try:
                time.fromisoformat(value)
            except ValueError:
                raise ApiError("bad_value", field=field) from None
    if not place.name:
        raise ApiError("missing_field", field="name")


@bp.get("/places")
def places_list():
    with uow() as s:
        return jsonify([place_json(p) for p in list_places(s, request.args.get("kind"))])


@bp.post("/places")
def places_create():
    data = body()
    kind = need(data, "kind")
    if kind not in PLACE_KINDS:
        raise ApiError("bad_value", field="kind")
    with uow() as s:
        place = Place(kind=kind)
        _apply_place(place, data)
        s.add(place)
        s.commit()
        return jsonify(place_json(place)), 201


@bp.patch("/places/<int:place_id>")
def places_update(place_id: int):
    data = body()
    with uow() as s:
        place = get_or_404(s, Place, place_id)
        _apply_place(place, data)
        s.commit()
        return jsonify(place_json(place))


def _check_times(s, event: ev.SupportEvent) -> None:
    place = s.get(Place, event.place_id)
    errors = event_time_errors(
        event.kind, place.kind, place.hours(), event.starts_at, event.ends_at, utcnow()
    )
    if errors:
        raise ApiError(*errors)


@bp.get("/events")
def events_list():
    args = request.args
    with uow() as s:
        query = (
            select(ev.SupportEvent)
            .options(selectinload(ev.SupportEvent.slots))
            .order_by(ev.SupportEvent.starts_at)
        )
        if args.get("from"):
            query = query.where(ev.SupportEvent.starts_at >= parse_dt(args["from"], "from"))
        if args.get("to"):
            query = query.where(ev.SupportEvent.starts_at < parse_dt(args["to"], "to"))
        for field in ("kind", "status"):
            if args.get(field):
                query = query.where(getattr(ev.SupportEvent, field) == args[field])
        return jsonify([event_json(e) for e in s.scalars(query)])


@bp.post("/events")
def events_create():
    data = body()
    kind = need(data, "kind")
    if kind not in ev.EVENT_KINDS:
        raise ApiError("bad_value", field="kind")
    with uow() as s:
        place = get_or_404(s, Place, need(data, "place_id", int))
        event = ev.SupportEvent(
            kind=kind,
            place_id=place.id,
            starts_at=parse_dt(need(data, "starts_at", object), "starts_at"),
            ends_at=parse_dt(need(data, "ends_at", object), "ends_at"),
            status=ev.PLANNED,
            note=data.get("note"),
        )
        _check_times(s, event)
        s.add(event)
        s.flush()
        for i, raw in enumerate(data.get("slots") or []):
            _add_slot(s, event, raw, f"slots[{i}]")
        s.commit()
        s.refresh(event)
        return jsonify(event_json(event)), 201


@bp.get("/events/<int:event_id>")
def events_get(event_id: int):
    with uow() as s:
        return jsonify(event_json(get_or_404(s, ev.SupportEvent, event_id)))


@bp.patch("/events/<int:event_id>")
def events_update(event_id: int):
    data = body()
    with uow() as s:
        event = get_or_404(s, ev.SupportEvent, event_id)
        if "starts_at" in data or "ends_at" in data:
            if event.status not in (ev.PLANNED, ev.APPROVED):
                raise ApiError("bad_transition", field="starts_at")
            event.starts_at = parse_dt(data.get("starts_at", iso(event.starts_at)), "starts_at")
            event.ends_at = parse_dt(data.get("ends_at", iso(event.ends_at)), "ends_at")
            _check_times(s, event)
            if any(sl.starts_at < event.starts_at or sl.ends_at > event.ends_at for sl in event.slots):
                raise ApiError("slot_outside_event")
            clashes = clash_errors(s, event)
            if clashes:
                raise ApiError(*clashes)
        if "note" in data:
            event.note = data["note"]
        if "status" in data:
            _change_status(s, event, need(data, "status"))
        s.commit()
        s.refresh(event)
        return jsonify(event_json(event))


def _change_status(s, event: ev.SupportEvent, new: str) -> None:
    if new == event.status:
        return
    if new not in ev.TRANSITIONS.get(event.status, ()):
        raise ApiError("bad_transition", field="status")
    if new == ev.APPROVED and not event.place.approved_by_city:
        raise ApiError("place_not_approved")
    if new == ev.OPEN:
        problems = staffing_errors(s, event)
        if problems:
            raise ApiError(*problems)
        if event.starts_at <= utcnow():
            raise ApiError("in_the_past")
    if new == ev.CANCELLED:
        _cancel_bookings(s, event)
    event.status = new


def _cancel_bookings(s, event: ev.SupportEvent) -> None:
    """An event called off: every booking is cancelled and its resident told."""
    now = utcnow()
    for booking in s.scalars(
        select(Booking).where(Booking.event_id == event.id, Booking.status == ACTIVE)
    ):
        cancel_booking(s, booking, now)
        reply = Reply("bookings/event_cancelled", views.booking_context(booking))
        notify(s, booking.resident_id, [reply], source="event_cancelled")


def _add_slot(s, event: ev.SupportEvent, raw: Any, field: str) -> ev.Slot:
    if not isinstance(raw, dict):
        raise ApiError("bad_value", field=field)
    start = parse_dt(need(raw, "starts_at", object), f"{field}.starts_at")
    end = parse_dt(need(raw, "ends_at", object), f"{field}.ends_at")
    capacity = need(raw, "capacity", int)
    if capacity < 1:
        raise ApiError("bad_value", field=f"{field}.capacity")
    if end <= start:
        raise ApiError("ends_before_start", field=field)
    if start < event.starts_at or end > event.ends_at:
        raise ApiError("slot_outside_event", field=field)
    slot = ev.Slot(event_id=event.id, starts_at=start, ends_at=end, capacity=capacity, booked=0)
    s.add(slot)
    s.flush()
    return slot


@bp.get("/events/<int:event_id>/slots")
def slots_list(event_id: int):
    with uow() as s:
        return jsonify([slot_json(sl) for sl in get_or_404(s, ev.SupportEvent, event_id).slots])


@bp.post("/events/<int:event_id>/slots")
def slots_create(event_id: int):
    data = body()
    with uow() as s:
        event = get_or_404(s, ev.SupportEvent, event_id)
        if event.status in (ev.DONE, ev.CANCELLED):
            raise ApiError("bad_transition")
        slot = _add_slot(s, event, data, "slot")
        s.commit()
        return jsonify(slot_json(slot)), 201


@bp.patch("/slots/<int:slot_id>")
def slots_update(slot_id: int):
    data = body()
    capacity = need(data, "capacity", int)
    with uow() as s:
        slot = get_or_404(s, ev.Slot, slot_id)
        if capacity < 1:
            raise ApiError("bad_value", field="capacity")
        # Conditional, like reserve: a booking landing meanwhile is never squeezed out.
        if not ev.set_capacity(s, slot_id, capacity):
            raise ApiError("capacity_below_booked", field="capacity")
        if slot.places_left > 0:
            views.offer_freed_place(s, slot.event, utcnow())
        s.commit()
        return jsonify(slot_json(slot))

