"""Places in the console: the list, the form to create or edit a venue or facility,
the city's approval (who at the city, the day, the document) and archiving.

The rules and the audit are ``handlers.place_ops``, the same the staff API
uses. Homes are made from visit requests and are personal: they are not
listed or edited here.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot.console.blueprint import bp
from bot.console.security import actor, can, require
from handlers import place_ops
from handlers.schedule_ops import Actor
from models.areas import all_areas
from models.base import utcnow
from models.db import db
from models.permissions import APPROVE, EDIT_SCHEDULE, VIEW_SCHEDULE
from models.places import FACILITY, VENUE, Place, list_places
from scheduler.business_calendar import JST

KINDS = (VENUE, FACILITY)


def _actor() -> Actor:
    return Actor(actor(), staff_id=g.account.staff_id, login=g.account.login)


def _place_or_404(s, place_id: int) -> Place:
    place = s.get(Place, place_id)
    if place is None or place.kind not in KINDS:
        abort(404)
    return place


def _today() -> date:
    return utcnow().astimezone(JST).date()


@bp.route("/places")
@require(VIEW_SCHEDULE)
def places():
    with db.reader() as s:
        return render_template(
            "console/places.html",
            in_use=list_places(s, kinds=KINDS, archived=False),
            archived=list_places(s, kinds=KINDS, archived=True),
            areas={a.code: a.name for a in all_areas()},
        )


def _form_of(place: Place | None) -> dict:
    fields = {f: (getattr(place, f) if place else None) or "" for f in place_ops.PLACE_FIELDS}
    return {"kind": place.kind if place else VENUE, **fields}


def _approval_form(place: Place | None) -> dict:
    return {
        "city_approver": (place.city_approver if place else None) or "",
        "approved_on": (place.approved_on if place and place.approved_on else _today()).isoformat(),
        "approval_ref": (place.approval_ref if place else None) or "",
    }


def _page(place_id: int | None, f: dict, errors: dict, *, approval: dict | None = None,
          approval_errors: dict | None = None, status: int = 200):  # fmt: skip
    with db.reader() as s:
        place = _place_or_404(s, place_id) if place_id else None
        return render_template(
            "console/place_form.html", place=place, f=f, errors=errors, kinds=KINDS,
            areas=all_areas(), approval=approval or _approval_form(place),
            approval_errors=approval_errors or {}, editable=can(EDIT_SCHEDULE),
            upcoming=place_ops.events_to_come(s, place, utcnow()) if place else 0,
        ), status  # fmt: skip


def _submitted() -> dict:
    return {f: request.form.get(f, "") for f in ("kind", *place_ops.PLACE_FIELDS)}


@bp.route("/places/new", methods=["GET", "POST"])
@require(EDIT_SCHEDULE)
def place_new():
    if request.method == "GET":
        return _page(None, _form_of(None), {})
    f = _submitted()
    if f["kind"] not in KINDS:
        return _page(None, f, {"kind": ["required"]}, status=422)
    try:
        with db.unit_of_work() as s:
            values = {k: f[k] for k in place_ops.PLACE_FIELDS}
            place_id = place_ops.create_place(s, _actor(), f["kind"], values, utcnow()).id
            s.commit()
    except place_ops.PlaceRefused as refused:
        return _page(None, f, refused.errors, status=422)
    flash("place_saved")
    return redirect(url_for("console.place", place_id=place_id))


@bp.route("/places/<int:place_id>", methods=["GET", "POST"])
@require(VIEW_SCHEDULE)
def place(place_id: int):
    if request.method == "GET":
        with db.reader() as s:
            f = _form_of(_place_or_404(s, place_id))
        return _page(place_id, f, {})
    if not can(EDIT_SCHEDULE):
        abort(403)
    f = _submitted()
    try:
        with db.unit_of_work() as s:
            found = _place_or_404(s, place_id)
            f["kind"] = found.kind  # the kind of a place does not change
            values = {k: f[k] for k in place_ops.PLACE_FIELDS}
            place_ops.update_place(s, _actor(), found, values, utcnow())
            s.commit()
    except place_ops.PlaceRefused as refused:
        return _page(place_id, f, refused.errors, status=422)
    flash("place_saved")
    return redirect(url_for("console.place", place_id=place_id))


@bp.route("/places/<int:place_id>/approval", methods=["POST"])
@require(APPROVE)
def place_approval(place_id: int):
    form = {k: request.form.get(k, "") for k in ("city_approver", "approved_on", "approval_ref")}
    try:
        day = date.fromisoformat(form["approved_on"].strip())
    except ValueError:
        day = None
    approval = place_ops.CityApproval(form["city_approver"], day, form["approval_ref"])
    try:
        with db.unit_of_work() as s:
            place_ops.approve_place(s, _actor(), _place_or_404(s, place_id), approval, utcnow())
            s.commit()
    except place_ops.PlaceRefused as refused:
        with db.reader() as s:
            f = _form_of(_place_or_404(s, place_id))
        return _page(place_id, f, {}, approval=form, approval_errors=refused.errors, status=422)
    flash("place_approved")
    return redirect(url_for("console.place", place_id=place_id))


@bp.route("/places/<int:place_id>/approval/withdraw", methods=["POST"])
@require(APPROVE)
def place_approval_withdraw(place_id: int):
    with db.unit_of_work() as s:
        place_ops.withdraw_approval(s, _actor(), _place_or_404(s, place_id))
        s.commit()
    flash("approval_withdrawn")
    return redirect(url_for("console.place", place_id=place_id))


@bp.route("/places/<int:place_id>/archive", methods=["POST"])
@require(EDIT_SCHEDULE)
def place_archive(place_id: int):
    restore = request.form.get("restore") == "1"
    try:
        with db.unit_of_work() as s:
            found = _place_or_404(s, place_id)
            if restore:
                place_ops.restore_place(s, _actor(), found)
            else:
                place_ops.archive_place(s, _actor(), found, utcnow())
            s.commit()
    except place_ops.PlaceRefused as refused:
        with db.reader() as s:
            f = _form_of(_place_or_404(s, place_id))
        return _page(place_id, f, refused.errors, status=422)
    flash("place_restored" if restore else "place_archived")
    return redirect(url_for("console.place", place_id=place_id))
