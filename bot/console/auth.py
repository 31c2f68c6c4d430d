"""Signing in and out of the console."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from bot.console.blueprint import bp
from bot.console.security import end_session, start_session
from models.accounts import authenticate, find_account
from models.audit import audit
from models.base import utcnow
from models.db import db


def client_address() -> str:
    """The client's address (behind TRUSTED_PROXIES, the one the proxy saw)."""
    return request.remote_addr or "unknown"


def safe_next(target: str | None, default: str = "console.home") -> str:
    """Only paths inside the console: never an open redirect."""
    if target and target.startswith("/console/") and "//" not in target and "\\" not in target:
        return target
    return url_for(default)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template(
            "console/login.html", reason=None, login="", next=request.args.get("next", "")
        )
    login_name = request.form.get("login", "")
    with db.unit_of_work() as s:
        result = authenticate(s, login_name, request.form.get("password", ""), utcnow(),
                              client_address())  # fmt: skip
        if isinstance(result, str):
            # The name typed is kept only when it is an account's: a phone number typed
            # into the login field must not land in the audit log.
            known = find_account(s, login_name)
            who = f"login:{known.login}" if known is not None else "login:(unknown)"
            audit(s, who, "login_refused", "console", result)
            s.commit()
            status = 429 if result == "locked" else 401
            return render_template(
                "console/login.html",
                reason=result,
                login=login_name,
                next=request.form.get("next", ""),
            ), status
        audit(s, f"staff:{result.login}", "login", "console")
        account_id = result.id
        s.commit()
    start_session(account_id)
    return redirect(safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    end_session()
    return redirect(url_for("console.login"))
