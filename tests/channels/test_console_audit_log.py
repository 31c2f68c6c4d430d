"""The audit log viewer: who, what, which record, when, why; pages; CSV; looking is logged."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.audit import PAGE_SIZE, AuditEntry
from models.db import db
from tests.console_helpers import login, make_staff

START = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Mon 30 Nov 2026, 09:00 in Tokyo


def entries(n: int = 3) -> None:
    with db.unit_of_work() as s:
        rows = [
            ("staff:sato", "view", "inquiry:12", "transcript"),
            ("staff:sato", "reveal", "resident:7", "折り返しの電話のため"),
            ("api:1234abcd", "export", "report:complaints", "=HYPERLINK(\"x\"), 3 rows"),
        ]
        for i, (actor, action, target, reason) in enumerate(rows[:n]):
            s.add(AuditEntry(at=START + timedelta(days=i), actor=actor, action=action,
                             target=target, reason=reason))  # fmt: skip
        s.commit()


def page_text(client, query: str = "") -> str:
    resp = client.get("/console/audit" + query)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def logged_views() -> list[tuple[str, str, str]]:
    with db.reader() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.target == "audit_log"))
        return [(e.actor, e.action, e.reason) for e in rows]


def test_the_general_manager_and_the_city_read_the_log_and_the_look_is_logged(client):
    entries()
    make_staff("city", "city_official")
    login(client, "city")
    page = page_text(client)
    assert "折り返しの電話のため" in page and "resident:7" in page and "staff:sato" in page
    assert "個人情報の表示" in page  # the action in words
    assert logged_views() == [("staff:city", "view", "all; page 1")]


def test_each_filter_narrows_the_log(client):
    entries()
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    assert '<p id="audit-total">2件(1 / 1ページ)' in page_text(client, "?who=sato")
    cases = {
        "?who=SATO": {"inquiry:12", "resident:7"},
        "?action=reveal": {"resident:7"},
        "?target=inquiry:": {"inquiry:12"},
        "?since=2026-12-01&until=2026-12-01": {"resident:7"},
        "?why=折り返し": {"resident:7"},
        "?target=%25": set(),  # a literal %, not a wildcard
    }
    for query, targets in cases.items():
        page = page_text(client, query)
        shown = {t for t in ("inquiry:12", "resident:7", "report:complaints") if f"<td>{t}</td>" in page}
        assert shown == targets, query
    assert ("staff:mgr", "view", "who=sato; page 1") in logged_views()


def test_the_log_is_paged(client):
    with db.unit_of_work() as s:
        for i in range(PAGE_SIZE + 5):
            s.add(AuditEntry(at=START, actor="clock", action="purge", target=f"retention:{i}"))
        s.commit()
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    first = page_text(client, "?action=purge")
    assert f"{PAGE_SIZE + 5}件(1 / 2ページ)" in first and "retention:54" in first
    assert "retention:4<" not in first and 'rel="next"' in first
    second = page_text(client, "?action=purge&page=2")
    assert "retention:4<" in second and "retention:54" not in second


def test_the_csv_export_is_quoted_guarded_and_logged(client):
    entries()
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    resp = client.get("/console/audit.csv?who=api")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    body = resp.get_data(as_text=True)
    assert body.startswith("\ufeff日時,だれが,何を,どの記録,理由・内容")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1][1:] == ["api:1234abcd", "出力(CSVなど)", "report:complaints",
                           "'=HYPERLINK(\"x\"), 3 rows"]  # fmt: skip
    assert len(rows) == 2
    assert ("staff:mgr", "export", "1 rows; who=api") in logged_views()


def test_other_roles_cannot_read_the_log(client):
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    assert client.get("/console/audit").status_code == 403
    assert client.get("/console/audit.csv").status_code == 403
