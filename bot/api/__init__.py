"""The staff schedule API: JSON under /api/v1, token-authenticated.

Tokens: ``STAFF_API_TOKENS`` (comma-separated, from the environment or the
app config); each request sends ``Authorization: Bearer <token>``. Without
tokens configured, every call is refused (401) — the API is off.
Errors are ``{"error": code, "message": text, "errors": [codes]}`` with 400
(malformed input), 401, 404, 409 (conflicts: full, double-booked, …) or 422
(a rule of the program). The description is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Container, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy.orm import Session

from handlers.schedule_ops import Actor
from handlers.text import render
from models.db import db
from models.staff import RuleViolation
from scheduler.business_calendar import JST

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Codes answered with 409 (the state of things conflicts); other rule codes get 422.
CONFLICTS = frozenset(
    {
        "full", "already_booked", "staff_double_booked", "already_assigned",
        "capacity_below_booked", "bad_transition", "has_bookings", "proposal_closed",
        "already_waived",
    }
)  # fmt: skip
MALFORMED = frozenset({"bad_json", "missing_field", "bad_datetime", "bad_value"})


class ApiError(Exception):
    def __init__(self, *codes: str, status: int | None = None, field: str | None = None):
        super().__init__(codes[0])
        self.codes = list(codes)
        self.field = field
        if status is None:
            first = codes[0]
            status = 400 if first in MALFORMED else 409 if first in CONFLICTS else 422
            status = 404 if first == "not_found" else status
        self.status = status


def _tokens() -> list[str]:
    raw = current_app.config.get("STAFF_API_TOKENS")
    if raw is None:
        raw = os.environ.get("STAFF_API_TOKENS", "")
    if isinstance(raw, str):
        raw = raw.split(",")
    return [t.strip() for t in raw if t and t.strip()]


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not given or not any(hmac.compare_digest(given, t) for t in _tokens()):
        return _error_response(ApiError("unauthorized", status=401))
    g.api_actor = "api:" + hashlib.sha256(given.encode()).hexdigest()[:8]
    return None


def _error_response(err: ApiError):
    body = {
        "error": err.codes[0],
        "message": render("bookings/api_error", code=err.codes[0]),
        "errors": err.codes,
    }
    if err.field:
        body["field"] = err.field
    response = jsonify(body)
    response.status_code = err.status
    if err.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="myna-desk"'
    return response


@bp.errorhandler(ApiError)
def _api_error(err: ApiError):
    return _error_response(err)


@bp.errorhandler(RuleViolation)
def _rule_violation(exc: RuleViolation):
    """A refusal of the shared schedule operations: same codes, HTTP status by code."""
    return _error_response(ApiError(*exc.codes, field=exc.field))


@bp.errorhandler(404)
def _not_found(_err):
    return _error_response(ApiError("not_found"))


@bp.errorhandler(405)
def _not_allowed(_err):
    return _error_response(ApiError("method_not_allowed", status=405))


def actor() -> Actor:
    """The audit log's actor for this token (no staff member: approvals go unrecorded)."""
    return Actor(g.api_actor)


@contextmanager
def uow() -> Iterator[Session]:
    with db.unit_of_work() as s:
        yield s


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError("bad_json")
    return data


def need(data: dict[str, Any], name: str, kind: type | tuple = str) -> Any:
    if name not in data or data[name] is None:
        raise ApiError("missing_field", field=name)
    value = data[name]
    if isinstance(value, bool) and kind is not bool:
        raise ApiError("bad_value", field=name)
    if not isinstance(value, kind):
        raise ApiError("bad_value", field=name)
    return value


def need_one_of(data: dict[str, Any], name: str, allowed: Container[str]) -> str:
    """A required string that must be one of ``allowed`` (else bad_value, naming the field)."""
    value = need(data, name)
    if value not in allowed:
        raise ApiError("bad_value", field=name)
    return value


def parse_dt(value: Any, field: str) -> datetime:
    """ISO 8601; a time without offset is read in Asia/Tokyo."""
    if not isinstance(value, str) or len(value) > 40:
        raise ApiError("bad_datetime", field=field)
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError("bad_datetime", field=field) from None
    return dt.replace(tzinfo=JST) if dt.tzinfo is None else dt


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(JST).isoformat() if dt else None


def get_or_404(session: Session, model, ident: int):
    obj = session.get(model, ident)
    if obj is None:
        raise ApiError("not_found")
    return obj


def register(app: Flask) -> None:
    from bot.api import openapi, people, schedule  # noqa: F401 - routes register on bp

    app.register_blueprint(bp)
