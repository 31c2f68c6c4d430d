"""Event photos (issue 12, point 2): upload from a phone, faces blurred before storing,
blur boxes by hand, confirm, remove.

The upload is parsed in memory (``security.UPLOAD_LIMITS`` raises the body limit for this
one endpoint and keeps Werkzeug from spooling the file to a temporary file), handed to
``handlers.photo_privacy.process_upload`` and only its result (a blurred JPEG without
EXIF) is stored. Contractor staff (``reply``) see the photos of an event, upload and blur;
the site manager or the general manager (``edit_schedule``) confirms or removes. A
photo reaches a report only when confirmed (``models.event_photos.confirmed_photos``).
Uploads, blur boxes, confirmations, removals and looks at the photos are audited.
"""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from bot.console.blueprint import bp
from bot.console.schedule import place_label
from bot.console.security import UPLOAD_LIMITS, actor, can, require
from handlers import photo_privacy as pp
from models import event_photos as ph
from models.audit import audit
from models.db import db
from models.events import SupportEvent
from models.permissions import EDIT_SCHEDULE, REPLY

# The upload's body: the photo plus the form fields around it; parsed in memory.
UPLOAD_LIMITS["console.photo_upload"] = pp.MAX_BYTES + 256 * 1024
REFUSAL_STATUS = {
    "empty": 400, "too_large": 413, "too_many_pixels": 413, "bad_type": 415,
    "corrupt": 422, "bad_box": 422,
}  # fmt: skip


def _event_or_404(s, event_id: int) -> SupportEvent:
    event = s.get(SupportEvent, event_id)
    if event is None:
        abort(404)
    return event


def _photo_or_404(s, photo_id: int) -> ph.EventPhoto:
    photo = ph.get_photo(s, photo_id)
    if photo is None or photo.status == ph.REMOVED:
        abort(404)
    return photo


def _photos_page(event_id: int, error: str | None = None, status: int = 200):
    with db.unit_of_work() as s:
        event = _event_or_404(s, event_id)
        photos = ph.photos_for_event(s, event_id)
        audit(s, actor(), "view", f"event_photos:{event_id}", f"{len(photos)} photos")
        page = render_template(
            "console/event_photos.html", event=event, place=place_label(event.place),
            photos=photos, error=error, max_mb=pp.MAX_BYTES // (1024 * 1024),
            caption=request.form.get("caption", "") if error else "",
            caption_max=ph.CAPTION_MAX,
        )  # fmt: skip
        s.commit()
    return page, status


@bp.route("/events/<int:event_id>/photos", methods=["GET"])
@require(REPLY)
def event_photos(event_id: int):
    return _photos_page(event_id)


@bp.route("/events/<int:event_id>/photos", methods=["POST"])
@require(REPLY)
def photo_upload(event_id: int):
    with db.reader() as r:
        _event_or_404(r, event_id)
    files = [f for f in request.files.getlist("photo") if f and f.filename]
    if not files:
        return _photos_page(event_id, "empty", 400)
    data = files[0].stream.read(pp.MAX_BYTES + 1)
    try:
        safe = pp.process_upload(data)
    except pp.PhotoRefused as refused:
        return _photos_page(event_id, refused.code, REFUSAL_STATUS[refused.code])
    finally:
        del data  # the original goes no further than this function
    with db.unit_of_work() as s:
        _event_or_404(s, event_id)
        photo = ph.add_photo(
            s, event_id, safe.jpeg, safe.width, safe.height, account_id=g.account.id,
            caption=request.form.get("caption"), faces_found=len(safe.faces),
        )  # fmt: skip
        audit(
            s, actor(), "upload", photo.target, f"event:{event_id}; faces blurred {len(safe.faces)}"
        )
        s.commit()
        photo_id = photo.id
    flash("photo_uploaded")
    return redirect(url_for("console.event_photo", photo_id=photo_id))


def _photo_page(photo_id: int, error: str | None = None, status: int = 200):
    with db.unit_of_work() as s:
        photo = _photo_or_404(s, photo_id)
        event = _event_or_404(s, photo.event_id)
        audit(s, actor(), "view", photo.target)
        page = render_template(
            "console/event_photo.html", photo=photo, event=event,
            place=place_label(event.place), error=error, box=request.form if error else {},
            may_confirm=can(EDIT_SCHEDULE),
        )  # fmt: skip
        s.commit()
    return page, status


@bp.route("/photos/<int:photo_id>")
@require(REPLY)
def event_photo(photo_id: int):
    return _photo_page(photo_id)


@bp.route("/photos/<int:photo_id>.jpg")
@require(REPLY)
def event_photo_image(photo_id: int):
    with db.reader() as r:
        photo = _photo_or_404(r, photo_id)
        image = photo.image
    return Response(image, mimetype="image/jpeg")


@bp.route("/photos/<int:photo_id>/blur", methods=["POST"])
@require(REPLY)
def photo_blur(photo_id: int):
    form = request.form
    with db.unit_of_work() as s:
        photo = _photo_or_404(s, photo_id)
        try:
            box = pp.parse_box(
                form.get("x"), form.get("y"), form.get("w"), form.get("h"),
                photo.width, photo.height,
            )  # fmt: skip
        except pp.PhotoRefused as refused:
            s.rollback()
            return _photo_page(photo_id, refused.code, REFUSAL_STATUS[refused.code])
        safe = pp.blur_boxes(photo.image, [box])
        ph.replace_image(photo, safe.jpeg, safe.width, safe.height)
        audit(s, actor(), "blur_box", photo.target, f"x={box.x} y={box.y} w={box.w} h={box.h}")
        s.commit()
    flash("photo_blurred")
    return redirect(url_for("console.event_photo", photo_id=photo_id))


@bp.route("/photos/<int:photo_id>/confirm", methods=["POST"])
@require(EDIT_SCHEDULE)
def photo_confirm(photo_id: int):
    with db.unit_of_work() as s:
        photo = _photo_or_404(s, photo_id)
        ph.confirm(photo, g.account.id)
        audit(s, actor(), "confirm", photo.target, f"event:{photo.event_id}")
        s.commit()
    flash("photo_confirmed")
    return redirect(url_for("console.event_photo", photo_id=photo_id))


@bp.route("/photos/<int:photo_id>/remove", methods=["POST"])
@require(EDIT_SCHEDULE)
def photo_remove(photo_id: int):
    with db.unit_of_work() as s:
        photo = _photo_or_404(s, photo_id)
        event_id = photo.event_id
        ph.remove(photo)
        audit(s, actor(), "remove", photo.target, f"event:{event_id}")
        s.commit()
    flash("photo_removed")
    return redirect(url_for("console.event_photos", event_id=event_id))
