"""Console sign-in: hashed passwords, CSRF, lockout, the pledge, session cookies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.accounts import MAX_FAILURES, StaffAccount, authenticate
from models.audit import AuditEntry
from models.base import utcnow
from models.db import db
from models.login_throttle import FIRST_DELAY
from tests.console_helpers import PASSWORD, csrf, login, make_staff, post


def test_login_page_is_japanese_and_labelled(client):
    page = client.get("/console/login").get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert '<label for="login">ログインID</label>' in page
    assert '<label for="password">パスワード</label>' in page


def test_console_pages_need_a_login(client):
    resp = client.get("/console/inbox")
    assert resp.status_code == 302 and "/console/login" in resp.headers["Location"]
    assert client.get("/console/inbox/poll").status_code == 401


def test_password_is_stored_as_an_argon2_hash(app):
    make_staff("mgr", "general_manager")
    with db.reader() as s:
        account = s.query(StaffAccount).one()
        assert account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash


def test_right_password_signs_in_and_sets_a_safe_cookie(client):
    make_staff("mgr", "general_manager")
    resp = login(client, "MGR")  # logins are case-insensitive
    assert resp.status_code == 302
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the http sandbox must keep working
    assert client.get("/console/inbox").status_code == 200


def test_cookie_is_secure_behind_https(database_url):
    from tests.conftest import build_app

    app = build_app(database_url, PUBLIC_BASE_URL="https://desk.example.jp")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client):
    make_staff("mgr", "general_manager")
    wrong = login(client, "mgr", "wrong password!")
    unknown = login(client, "nobody", "wrong password!")
    assert wrong.status_code == unknown.status_code == 401
    text = "ログインIDまたはパスワードが違います。"
    assert text in wrong.get_data(as_text=True) and text in unknown.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client):
    make_staff("mgr", "general_manager")
    resp = client.post("/console/login", data={"login": "mgr", "password": PASSWORD})
    assert resp.status_code == 400
    login(client, "mgr")
    assert client.post("/console/logout").status_code == 400
    assert client.post("/console/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/console/inbox").status_code == 200  # still signed in


def test_account_locks_after_repeated_failures(client):
    make_staff("mgr", "general_manager")
    for _ in range(MAX_FAILURES - 1):
        assert login(client, "mgr", "nope nope nope").status_code == 401
    locked = login(client, "mgr", "nope nope nope")
    assert locked.status_code == 429
    right = login(client, "mgr")  # even the right password, while locked
    assert right.status_code == 429
    assert "ロックされています" in right.get_data(as_text=True)
    with db.reader() as s:
        refused = s.query(AuditEntry).filter_by(action="login_refused").count()
    assert refused == MAX_FAILURES + 1


def test_lock_expires_after_the_first_wait(app):
    make_staff("mgr", "general_manager")
    now = utcnow()
    with db.unit_of_work() as s:
        for _ in range(MAX_FAILURES):
            authenticate(s, "mgr", "bad", now)
        assert authenticate(s, "mgr", PASSWORD, now + FIRST_DELAY / 2) == "locked"
        later = now + FIRST_DELAY + timedelta(seconds=1)
        assert isinstance(authenticate(s, "mgr", PASSWORD, later), StaffAccount)


def test_staff_without_a_signed_pledge_cannot_log_in(client):
    make_staff("newbie", "worker", pledge=False)
    resp = login(client, "newbie")
    assert resp.status_code == 401
    assert "守秘義務誓約書" in resp.get_data(as_text=True)
    assert client.get("/console/inbox").status_code == 302


def test_withdrawn_pledge_ends_a_running_session(client):
    from models.staff import Staff

    staff_id = make_staff("w1", "worker")
    login(client, "w1")
    assert client.get("/console/inbox").status_code == 200
    with db.unit_of_work() as s:
        s.get(Staff, staff_id).pledge_signed_on = None
        s.commit()
    assert client.get("/console/inbox").status_code == 302


def test_logout_ends_the_session(client):
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    assert post(client, "/console/logout").status_code == 302
    assert client.get("/console/inbox").status_code == 302


def test_login_redirects_only_inside_the_console(client):
    make_staff("mgr", "general_manager")
    token = csrf(client)
    resp = client.post(
        "/console/login",
        data={
            "login": "mgr",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert resp.headers["Location"].endswith("/console/")


@pytest.mark.parametrize("role", ["manager", "site_manager", "worker", "city_viewer"])
def test_cli_creates_an_account_that_can_log_in(app, role):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "staff",
            "create",
            "--login",
            f"cli-{role}",
            "--name",
            "山田",
            "--role",
            role,
            "--pledge-signed-on",
            "2026-04-01",
            "--approved",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    with db.unit_of_work() as s:
        assert isinstance(authenticate(s, f"cli-{role}", PASSWORD, utcnow()), StaffAccount)


def test_cli_refuses_short_passwords_and_duplicate_logins(app):
    runner = app.test_cli_runner()
    args = [
        "staff",
        "create",
        "--login",
        "x",
        "--name",
        "X",
        "--role",
        "worker",
        "--password-stdin",
    ]
    assert runner.invoke(args=args, input="short\n").exit_code != 0
    assert runner.invoke(args=args, input=PASSWORD + "\n").exit_code == 0
    assert runner.invoke(args=args, input=PASSWORD + "\n").exit_code != 0
