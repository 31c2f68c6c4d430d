"""Sessions, CSRF and permission guards of the staff console.

- The session lives on the server (``models/console_sessions.py``): Flask's
  signed cookie (HttpOnly, SameSite=Lax, Secure when PUBLIC_BASE_URL is
  https) carries only a random token, looked up on every request, so a
  cookie replayed after logout or a password change is refused. It lasts
  ``SESSION_HOURS``.
- Console pages carry a Content-Security-Policy: scripts and styles only from
  the console itself (no inline script, no ``unsafe-inline``).
- Every POST to the console carries the session's CSRF token (form field
  ``csrf_token`` or header ``X-CSRF-Token``); a missing or wrong one is a 400.
- Uploads (``UPLOAD_LIMITS``: event photos) are parsed in memory, never spooled to a
  temporary file, with their own body limit (the app's is 1 MiB).
- Each request reloads the account, so a deactivated person or a withdrawn
  pledge ends the session at once.
"""

from __future__ import annotations

import hmac
import io
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Flask, abort, g, redirect, render_template, request, session, url_for

from bot.console.blueprint import bp
from models import console_sessions
from models.accounts import get_account
from models.base import utcnow
from models.db import db
from models.permissions import allowed

SESSION_HOURS = 8
SESSION_KEY = "console_session"
CSRF_KEY = "console_csrf"
PUBLIC_ENDPOINTS = {"console.login", "console.script", "console.style"}
# Endpoints that take a file, with their body limit in bytes (bot/console/photos.py adds).
UPLOAD_LIMITS: dict[str, int] = {}


def configure(app: Flask) -> None:
    """Cookie settings; an http sandbox keeps working (Secure only with https)."""
    https = str(app.config.get("PUBLIC_BASE_URL", "")).startswith("https://")
    app.config["SESSION_COOKIE_SECURE"] = https
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=SESSION_HOURS)


def csrf_token() -> str:
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    expected = session.get(CSRF_KEY)
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    return bool(expected) and hmac.compare_digest(str(expected), given)


CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")  # fmt: skip


def start_session(account_id: int) -> None:
    """A new server-side session for the account (a fresh token and CSRF token)."""
    with db.unit_of_work() as s:
        token = console_sessions.start(s, account_id, utcnow(), timedelta(hours=SESSION_HOURS))
        s.commit()
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = token
    session[CSRF_KEY] = secrets.token_urlsafe(32)


def end_session() -> None:
    """End this session on the server too: the same cookie never opens a page again."""
    token = session.pop(SESSION_KEY, None)
    if isinstance(token, str):
        with db.unit_of_work() as s:
            console_sessions.end(s, token, utcnow())
            s.commit()
    session[CSRF_KEY] = secrets.token_urlsafe(32)


def _in_memory(*_args: Any, **_kwargs: Any) -> io.BytesIO:
    """Werkzeug's stream for an uploaded file: memory, not a temporary file on disk (an
    original photo must never touch the disk)."""
    return io.BytesIO()


def _has_nul() -> bool:
    """A NUL byte in the path, the query or a form field: PostgreSQL refuses it in text,
    so it is refused here with a 400 instead of failing deep in a query."""
    values = [v for vs in request.args.listvalues() for v in vs]
    values += [v for v in (request.view_args or {}).values() if isinstance(v, str)]
    if request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):  # fmt: skip
        values += [v for vs in request.form.listvalues() for v in vs]
    return any("\x00" in v for v in values)


@bp.before_request
def _guard():
    limit = UPLOAD_LIMITS.get(request.endpoint or "")
    if limit and request.method == "POST":
        request.max_content_length = limit
        request._get_file_stream = _in_memory  # documented as the hook to override
    if _has_nul():  # after the upload hook: reading the form parses the body
        abort(400, description="nul")
    if request.method == "POST" and not _csrf_ok():
        abort(400, description="csrf")
    g.account = None
    token = session.get(SESSION_KEY)
    if token:
        with db.reader() as s:
            account_id = console_sessions.live_account_id(s, str(token), utcnow())
            account = get_account(s, account_id) if account_id else None
            if account is not None and account.may_log_in() is None:
                s.expunge_all()
                g.account = account
        if g.account is None:
            end_session()
    if g.account is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.method == "GET" and request.endpoint != "console.poll":
            return redirect(url_for("console.login", next=request.full_path))
        abort(401)
    return None


@bp.after_request
def _no_store(response):
    # Console pages may hold personal data: never cache them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = CSP
    return response


def can(permission: str) -> bool:
    account = g.get("account")
    return account is not None and allowed(account.role, permission)


def require(permission: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def actor() -> str:
    """The audit log's actor for the signed-in person."""
    return f"staff:{g.account.login}"


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "can": can}


@bp.errorhandler(400)
def _bad_request(err):
    return render_template("console/error.html", code=400, reason=err.description), 400


@bp.errorhandler(413)
def _too_large(_err):
    return render_template("console/error.html", code=413, reason="too_large"), 413


@bp.errorhandler(403)
def _forbidden(_err):
    return render_template("console/error.html", code=403, reason=""), 403


@bp.errorhandler(404)
def _not_found(_err):
    return render_template("console/error.html", code=404, reason=""), 404
