"""The public events page and its feeds (issue 14): no login, no personal data, cheap.

``GET /events`` (mobile-friendly HTML, the LINE add-friend link and QR code,
the phone number), ``/events.ics`` (RFC 5545, for calendar apps) and
``/events.json`` (for the city's website; ``Access-Control-Allow-Origin: *``).
Each answer is built at most once per ``publicity.events_cache_seconds``
(city.yaml) per process and carries that ``Cache-Control: public, max-age``
and an ETag, so a proxy or the browser keeps it and a repeat visit costs a
304. The pages run no script and load nothing from elsewhere (CSP).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time as clock
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request

from handlers import public_events as pe
from models.base import utcnow
from models.city import city
from models.db import db

bp = Blueprint("public", __name__)
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
       "form-action 'none'")  # fmt: skip
_cache: dict[str, tuple[float, str, bytes, str]] = {}
_lock = threading.Lock()


def cache_seconds() -> int:
    return int((city().get("publicity") or {}).get("events_cache_seconds", 300))


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def line_basic_id(app: Flask) -> str | None:
    """The LINE account's basic ID (@...), asked once per process; None when LINE fails."""
    found = app.extensions.get("line_basic_id")
    if found:
        return found
    try:
        found = app.extensions["delivery"].line_client().basic_id()
    except Exception:  # noqa: BLE001 - the page still shows the phone number
        return None
    app.extensions["line_basic_id"] = found
    return found


def _cached(key: str, mimetype: str, build: Callable[[], bytes]) -> Response:
    now = clock.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is None or hit[0] <= now:
        body = build()
        etag = hashlib.sha256(body).hexdigest()[:32]
        hit = (now + cache_seconds(), etag, body, mimetype)
        with _lock:
            _cache[key] = hit
    _expires, etag, body, mimetype = hit
    headers = {"Cache-Control": f"public, max-age={cache_seconds()}", "ETag": f'"{etag}"',
               "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}  # fmt: skip
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    return Response(body, mimetype=mimetype, headers=headers)


def _context() -> dict[str, Any]:
    url = pe.add_friend_url(line_basic_id(current_app))
    with db.reader() as s:
        events = pe.upcoming(s, utcnow())
    return {"events": events, "add_friend_url": url, "qr": pe.qr_svg(url) if url else ""}


@bp.get("/events")
def events_page() -> Response:
    return _cached("html", "text/html", lambda: render_template(
        "public/events.html", **_context()).encode())  # fmt: skip


@bp.get("/events.css")
def events_css() -> Response:
    return _cached("css", "text/css", lambda: render_template("public/events.css").encode())


@bp.get("/events.json")
def events_json() -> Response:
    def build() -> bytes:
        ctx = _context()
        contacts = city().contacts
        doc = {"city": city().name, "program": city().program_name,
               "phone": contacts.support_phone, "phoneHours": contacts.support_phone_hours,
               "lineAddFriendUrl": ctx["add_friend_url"] or None,
               "page": request.url_root.rstrip("/") + "/events",
               "generatedAt": utcnow().isoformat(),
               "events": [e.as_json() for e in ctx["events"]]}  # fmt: skip
        return json.dumps(doc, ensure_ascii=False, indent=1).encode()

    response = _cached("json", "application/json", build)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/events.ics")
def events_ics() -> Response:
    from bot.cli_schedule import _utc, ics_escape, ics_fold
    from handlers.text import render

    def build() -> bytes:
        stamp = utcnow()
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//myna-desk//events//JA",
                 "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                 "X-WR-CALNAME:" + ics_escape(render("public/calendar_name"))]  # fmt: skip
        for e in _context()["events"]:
            ctx = {"place": e.place, "area": e.area, "address": e.address}
            lines += ["BEGIN:VEVENT", f"UID:public-event-{e.id}@myna-desk", f"DTSTAMP:{_utc(stamp)}",
                      f"DTSTART:{_utc(e.starts_at)}", f"DTEND:{_utc(e.ends_at)}",
                      "SUMMARY:" + ics_escape(render("public/event_summary", **ctx)),
                      "LOCATION:" + ics_escape(" ".join(x for x in (e.place, e.address) if x)),
                      "DESCRIPTION:" + ics_escape(render("public/event_description", **ctx)),
                      "STATUS:CONFIRMED", "END:VEVENT"]  # fmt: skip
        lines.append("END:VCALENDAR")
        return "".join(ics_fold(line) + "\r\n" for line in lines).encode()

    return _cached("ics", "text/calendar", build)


def register(app: Flask) -> None:
    app.jinja_env.globals.setdefault("city", city())  # templates/public read city.yaml
    app.register_blueprint(bp)
