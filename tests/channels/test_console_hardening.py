"""Console sessions on the server, the CSP, login waits per address and account, the audit log."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from models.accounts import authenticate
from models.audit import AuditEntry
from models.base import utcnow
from models.db import db
from models.login_throttle import MAX_DELAY, PAIR_FREE
from tests.console_helpers import PASSWORD, login, make_staff, post

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "console"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_replayed_after_logout_is_refused(app):
    make_staff("mgr", "general_manager")
    client = app.test_client()
    login(client, "mgr")
    saved = _cookie(client)
    assert client.get("/console/inbox").status_code == 200
    assert post(client, "/console/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/console/inbox").status_code == 302  # back to the login page


def test_changing_the_password_ends_every_other_session(app):
    make_staff("w1", "worker")
    laptop, tablet = app.test_client(), app.test_client()
    login(laptop, "w1")
    login(tablet, "w1")
    new = "a much longer new password"
    resp = post(laptop, "/console/password", {"current": PASSWORD, "new": new, "again": new})
    assert resp.status_code == 302
    assert laptop.get("/console/inbox").status_code == 200  # a fresh session here
    assert tablet.get("/console/inbox").status_code == 302  # the other one ended
    assert login(app.test_client(), "w1", PASSWORD).status_code == 401
    assert login(app.test_client(), "w1", new).status_code == 302


def test_a_wrong_current_password_changes_nothing(app):
    make_staff("w1", "worker")
    client = app.test_client()
    login(client, "w1")
    resp = post(client, "/console/password", {"current": "wrong", "new": "x" * 12, "again": "x" * 12})
    assert resp.status_code == 422 and "今のパスワードが違います" in resp.get_data(as_text=True)
    assert client.get("/console/inbox").status_code == 200


def test_console_pages_have_a_csp_without_inline_scripts(app):
    make_staff("mgr", "general_manager")
    client = app.test_client()
    login(client, "mgr")
    for path in ("/console/login", "/console/inbox", "/console/schedule"):
        csp = client.get(path).headers["Content-Security-Policy"]
        script = re.search(r"script-src ([^;]*)", csp).group(1)
        assert script == "'self'" and "unsafe-inline" not in csp
    for page in TEMPLATES.glob("*.html"):
        text = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), page.name  # no inline script
        assert not re.search(r"\son[a-z]+\s*=", text), page.name  # no inline handler
        assert "style=" not in text and "<style" not in text, page.name


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(app):
    make_staff("mgr", "general_manager")
    now = utcnow()
    with db.unit_of_work() as s:
        for _ in range(PAIR_FREE + 3):
            authenticate(s, "mgr", "guess", now, "203.0.113.9")
        assert authenticate(s, "mgr", PASSWORD, now, "203.0.113.9") == "locked"
        assert authenticate(s, "mgr", PASSWORD, now, "198.51.100.7").login == "mgr"
        s.commit()


def test_waits_grow_but_never_pass_the_cap(app):
    make_staff("mgr", "general_manager")
    now = utcnow()
    with db.unit_of_work() as s:
        for _ in range(40):  # an attacker who tries again each time the wait ends
            authenticate(s, "mgr", "guess", now, "203.0.113.9")
            now += MAX_DELAY + timedelta(seconds=1)
        assert authenticate(s, "mgr", PASSWORD, now, "203.0.113.9").login == "mgr"


def test_spraying_many_logins_from_one_address_is_slowed_down(app):
    for name in ("a1", "a2", "a3"):
        make_staff(name, "worker")
    now = utcnow()
    with db.unit_of_work() as s:
        results = [authenticate(s, f"a{i % 3 + 1}", "guess", now, "203.0.113.9")
                   for i in range(21)]  # fmt: skip
        assert results[-1] == "locked"
        assert authenticate(s, "a1", PASSWORD, now, "203.0.113.9") == "locked"
        assert authenticate(s, "a1", PASSWORD, now, "198.51.100.7").login == "a1"


def test_a_manager_clears_the_wait_of_an_account(app):
    make_staff("boss", "general_manager")
    make_staff("w1", "worker")
    victim = app.test_client()
    for _ in range(PAIR_FREE):
        login(victim, "w1", "wrong password")
    assert login(victim, "w1").status_code == 429
    boss = app.test_client()
    login(boss, "boss")
    page = boss.get("/console/logins").get_data(as_text=True)
    assert "w1" in page
    with db.reader() as s:
        from models.accounts import find_account

        account_id = find_account(s, "w1").id
    resp = post(boss, "/console/logins/reset", {"key": f"account:{account_id}"}, "/console/logins")
    assert resp.status_code == 302
    assert login(victim, "w1").status_code == 302
    worker = app.test_client()
    login(worker, "w1")
    assert worker.get("/console/logins").status_code == 403


def test_the_audit_log_keeps_a_login_name_only_when_it_is_an_account(app):
    make_staff("mgr", "general_manager")
    client = app.test_client()
    login(client, "090-1234-5678", "whatever")
    login(client, "MGR", "wrong password")
    with db.reader() as s:
        actors = [e.actor for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actors == ["login:(unknown)", "login:mgr"]
    assert not any("090" in a for a in actors)


def test_behind_a_trusted_proxy_waits_follow_the_forwarded_client_address(database_url):
    from tests.conftest import build_app

    app = build_app(database_url, TRUSTED_PROXIES="1")
    try:
        make_staff("mgr", "general_manager")
        attacker, owner = app.test_client(), app.test_client()
        attacker.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
        owner.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
        for _ in range(PAIR_FREE):
            login(attacker, "mgr", "guess guess guess")
        assert login(attacker, "mgr").status_code == 429
        assert login(owner, "mgr").status_code == 302
    finally:
        app.extensions["event_processor"].shutdown()


def test_trusted_proxies_must_be_a_small_whole_number():
    import pytest

    from bot.config import ConfigError, load_settings

    assert load_settings({"TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    for bad in ("-1", "²", "99", "one"):
        with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
            load_settings({"TRUSTED_PROXIES": bad})
