"""Own password, and the managers' view of login waits (progressive delays) with a reset.

Changing the password ends every session of the account (other devices too)
and starts a new one here. A manager (``manage_staff``) sees the counters
that make logins wait and clears those of an account or an address; both
are written to the audit log.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from bot.console.blueprint import bp
from bot.console.security import actor, require, start_session
from models import console_sessions
from models import login_throttle as throttle
from models.accounts import StaffAccount, change_password, get_account
from models.audit import audit
from models.base import utcnow
from models.db import db
from models.permissions import MANAGE_STAFF


@bp.route("/password", methods=["GET", "POST"])
def password():
    if request.method == "GET":
        return render_template("console/password.html", reason=None)
    new, again = request.form.get("new", ""), request.form.get("again", "")
    with db.unit_of_work() as s:
        account = get_account(s, g.account.id)
        reason = "mismatch" if new != again else change_password(
            account, request.form.get("current", ""), new)  # fmt: skip
        if reason is None:
            ended = console_sessions.end_all(s, account.id, utcnow())
            audit(s, actor(), "password_changed", f"staff:{account.staff_id}",
                  f"{ended} sessions ended")  # fmt: skip
        s.commit()
    if reason is not None:
        return render_template("console/password.html", reason=reason), 422
    start_session(g.account.id)
    flash("password_changed")
    return redirect(url_for("console.home"))


@bp.get("/logins")
@require(MANAGE_STAFF)
def logins():
    now = utcnow()
    with db.reader() as s:
        rows = throttle.active(s, now)
        names = {a.id: a.login for a in s.query(StaffAccount).all()}
        return render_template("console/logins.html", rows=rows, names=names, now=now,
                               label=lambda key: _label(key, names))  # fmt: skip


def _label(key: str, names: dict[int, str]) -> str:
    kind, _, rest = key.partition(":")
    if kind == "account":
        return names.get(int(rest), rest) if rest.isascii() and rest.isdigit() else rest
    if kind == "pair":
        account, _, address = rest.partition(":")
        return f"{names.get(int(account), account) if account.isdigit() else account} @ {address}"
    return rest


@bp.post("/logins/reset")
@require(MANAGE_STAFF)
def logins_reset():
    key = request.form.get("key", "")
    with db.unit_of_work() as s:
        kind, _, rest = key.partition(":")
        if kind == "account" and rest.isascii() and rest.isdigit():
            cleared = throttle.clear_account(s, int(rest))
        else:
            cleared = throttle.clear(s, key[:120])
        audit(s, actor(), "login_wait_reset", key[:120], f"{cleared} counters")
        s.commit()
    flash("login_wait_reset")
    return redirect(url_for("console.logins"))
