"""The staff schedule API: JSON under /api/v1, token-authenticated.

Tokens (``models/api_tokens.py``): each has a name, a role and an expiry,
made with ``flask --app bot api-token create``; each request sends
``Authorization: Bearer <token>``. Tokens listed in ``STAFF_API_TOKENS``
(environment or app config) still work, with the role ``write_schedule``.
Every request is checked against ``/api/v1/openapi.json`` first
(``bot/api/validation.py``). Errors are ``{"error": code, "message": text,
"errors": [codes], "field", "detail"}`` with 400 (the request breaks the
document), 401, 403 (the token's role), 404, 409 (conflicts: full,
double-booked, …) or 422 (a rule of the program).
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

from bot.api import validation
from handlers.schedule_ops import Actor
from handlers.text import render
from models.api_tokens import ENV_TOKEN_ROLE, PERSONAL_DATA, find_active, role_allows
from models.base import utcnow
from models.db import db
from models.staff import RuleViolation
from scheduler.business_calendar import JST

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Codes answered with 409 (the state of things conflicts); other rule codes get 422.
CONFLICTS = frozenset(
    {
        "full", "already_booked", "staff_double_booked", "already_assigned",
        "capacity_below_booked", "bad_transition", "has_bookings", "proposal_closed",
        "already_waived", "place_in_use", "place_archived",
    }
)  # fmt: skip
MALFORMED = frozenset({"bad_json", "missing_field", "bad_datetime", "bad_value"})


class ApiError(Exception):
    def __init__(
        self, *codes: str, status: int | None = None, field: str | None = None,
        detail: str | None = None,
    ):  # fmt: skip
        super().__init__(codes[0])
        self.codes = list(codes)
        self.field = field
        self.detail = detail
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


def _token_role(given: str) -> tuple[str, str] | None:
    """(audit name, role) of a valid token, else None."""
    if not given or not given.isascii() or len(given) > 200:
        return None  # compare_digest refuses non-ASCII str: never reach it with one
    for configured in _tokens():
        if configured.isascii() and hmac.compare_digest(given, configured):
            return "api:" + hashlib.sha256(given.encode()).hexdigest()[:8], ENV_TOKEN_ROLE
    with db.reader() as s:
        token = find_active(s, given, utcnow())
        return ("api:" + token.name, token.role) if token is not None else None


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    found = _token_role(given)
    if found is None:
        return _error_response(ApiError("unauthorized", status=401))
    g.api_actor, g.api_role = found
    op = validation.current_operation()
    if op is None:
        return None  # an unknown path or method: the 404 / 405 handlers answer
    if not role_allows(g.api_role, op.role):
        return _error_response(ApiError("forbidden", status=403))
    try:
        validation.check_request(op)
    except validation.Invalid as bad:
        return _error_response(ApiError(bad.code, status=400, field=bad.field, detail=bad.detail))
    return None


def shows_personal() -> bool:
    """Whether this token may see personal fields in full (each showing is audited)."""
    return role_allows(g.get("api_role", ""), PERSONAL_DATA)


def _error_response(err: ApiError):
    body = {
        "error": err.codes[0],
        "message": render("bookings/api_error", code=err.codes[0]),
        "errors": err.codes,
    }
    if err.field:
        body["field"] = err.field
    if err.detail:
        body["detail"] = err.detail
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
def _not_allowed(err):
    response = _error_response(ApiError("method_not_allowed", status=405))
    if getattr(err, "valid_methods", None):
        response.headers["Allow"] = ", ".join(err.valid_methods)
    return response


@bp.errorhandler(413)
def _too_large(_err):
    return _error_response(ApiError("too_large", status=413))


def actor() -> Actor:
    """The audit log's actor for this token (no staff member: approvals go unrecorded)."""
    return Actor(g.api_actor)


@contextmanager
def uow() -> Iterator[Session]:
    with db.unit_of_work() as s:
        yield s


def body() -> dict[str, Any]:
    """The JSON body, already checked against the operation's schema."""
    data = g.get("api_body")
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
    if not validation.is_datetime(value):
        raise ApiError("bad_datetime", field=field)
    dt = datetime.fromisoformat(value)
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
    from handlers.booking_rules import limits
    from models.defects import reason_codes

    spec = openapi.build_spec(reasons=reason_codes(), max_party=int(limits()["max_party"]))
    validation.install(app, spec)
    app.register_blueprint(bp)

    # A URL that matches no route (an id out of range, a method the path lacks) is
    # answered before any blueprint is known: answer it in JSON under /api/ too.
    def routing_error(err):
        if request.path.startswith(bp.url_prefix + "/"):
            return {404: _not_found, 405: _not_allowed}[err.code](err)
        return err

    app.register_error_handler(404, routing_error)
    app.register_error_handler(405, routing_error)
