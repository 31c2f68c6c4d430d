"""Who may see what: the role matrix, enforced on every page, and the city report."""

from __future__ import annotations

import pytest

from models.audit import AuditEntry
from models.db import db
from models.inquiries import Inquiry
from models.permissions import ALL, MATRIX, allowed
from models.residents import Resident
from tests.console_helpers import login, make_staff, post

ROLES = ("general_manager", "site_manager", "worker", "city_official")
# page → the roles that may open it
PAGES = {
    "/console/inbox": {"general_manager", "site_manager", "worker"},
    "/console/inbox/poll": {"general_manager", "site_manager", "worker"},
    "/console/inquiries/1": {"general_manager", "site_manager", "worker"},
    "/console/schedule": set(ROLES),
    "/console/visit-requests": set(ROLES),
    "/console/events/new": {"general_manager", "site_manager"},
    "/console/reports/complaints": {"general_manager", "site_manager", "city_official"},
    "/console/reports/complaints.csv": {"general_manager", "city_official"},
    "/console/plan": {"general_manager", "site_manager", "city_official"},
    "/console/contracts": {"general_manager", "site_manager", "city_official"},
    "/console/contracts/1": {"general_manager", "site_manager", "city_official"},
    "/console/contracts/new": {"general_manager"},
    "/console/audit": {"general_manager", "city_official"},
    "/console/audit.csv": {"general_manager", "city_official"},
    "/console/alerts/poll": {"general_manager", "city_official"},
    "/console/reports": {"general_manager", "site_manager", "city_official"},
    "/console/reports/monthly/2026-11": {"general_manager", "site_manager", "city_official"},
}


def test_matrix_matches_the_issue():
    assert MATRIX["general_manager"] == frozenset(ALL)
    assert allowed("site_manager", "reveal_personal") and allowed("site_manager", "edit_schedule")
    assert not allowed("worker", "reveal_personal") and not allowed("worker", "edit_schedule")
    assert allowed("worker", "reply")
    for permission in ("view_inbox", "reply", "reveal_personal", "edit_schedule"):
        assert not allowed("city_official", permission)  # no personal data for the city
    for permission in ("view_schedule", "view_city_report", "view_plan", "view_audit",
                       "receive_city_notices"):
        assert allowed("city_official", permission)
    assert not allowed("city_official", "manage_contracts")
    assert not allowed("site_manager", "view_audit") and not allowed("worker", "view_audit")
    # Issue 12: staff on site record an event's figures; site and general managers check
    # and submit reports; the city reads them (view_city_report) but neither records nor checks.
    assert allowed("worker", "record_results") and not allowed("worker", "check_reports")
    assert allowed("site_manager", "check_reports")
    assert not allowed("city_official", "record_results")
    assert not allowed("city_official", "check_reports")
    with pytest.raises(ValueError):
        allowed("worker", "fly")


@pytest.fixture
def complaint(app):
    with db.unit_of_work() as s:
        resident = Resident(display_name="下関花子", phone="+819011112222")
        s.add(resident)
        s.flush()
        s.add(Inquiry(resident_id=resident.id, channel="voice", category="complaint",
                      summary="担当者の態度が悪かった"))  # fmt: skip
        s.commit()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_only_its_pages(client, complaint, role):
    make_staff("someone", role, approved=True)
    login(client, "someone")
    for path, roles in PAGES.items():
        status = client.get(path).status_code
        assert (status == 200) == (role in roles), (role, path, status)
        assert status in (200, 403)


def test_city_report_lists_complaints_with_timestamps_and_no_personal_data(client, complaint):
    make_staff("city", "city_official")
    login(client, "city")
    page = client.get("/console/reports/complaints").get_data(as_text=True)
    assert "問-0001" in page and "電話" in page and "未回答" not in page
    assert "下関花子" not in page and "態度" not in page and "+8190" not in page
    assert "残り" in page or "期限超過" in page


def test_csv_export_is_audited(client, complaint):
    make_staff("city", "city_official")
    login(client, "city")
    resp = client.get("/console/reports/complaints.csv")
    body = resp.get_data(as_text=True)
    assert resp.mimetype == "text/csv"
    assert body.startswith("\ufeff受付番号,経路,状態,受付日時")
    assert body.splitlines()[1].startswith("問-0001,電話,新規,")
    assert "下関花子" not in body
    with db.reader() as s:
        entry = s.query(AuditEntry).filter_by(action="export").one()
        assert entry.actor == "staff:city" and entry.target == "report:complaints"


def test_city_official_cannot_reply_or_reveal(client, complaint):
    make_staff("city", "city_official")
    login(client, "city")
    for path in (
        "/console/inquiries/1/reply",
        "/console/inquiries/1/reveal",
        "/console/inquiries/1/hand-back",
    ):
        resp = post(client, path, {"text": "x", "reason": "x"}, page="/console/schedule")
        assert resp.status_code == 403


def test_city_official_lands_on_the_schedule(client):
    make_staff("city", "city_official")
    resp = login(client, "city")
    assert client.get(resp.headers["Location"]).headers["Location"].endswith("/console/schedule")
