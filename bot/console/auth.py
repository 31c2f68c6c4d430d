"""Signing in and out of the console."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from bot.console.blueprint import bp
from bot.console.security import end_session, start_session
from models.accounts import authenticate
from models.audit import audit
from models.base import utcnow
from models.db import db


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
        result = authenticate(s, login_name, request.form.get("password", ""), utcnow())
        if isinstance(result, str):
            audit(s, f"login:{login_name[:60]}", "login_refused", "console", result)
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
