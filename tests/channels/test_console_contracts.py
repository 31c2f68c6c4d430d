"""Contract periods in the console and the API: list, create, edit (manager only, audited),
rules next to their fields, and plan progress of any period."""

from __future__ import annotations

from sqlalchemy import select

from models import contracts as ct
from models.audit import AuditEntry
from models.db import db
from tests.console_helpers import login, make_staff, post

NEW = {
    "name": "令和9年度", "starts_on": "2027-04-01", "ends_on": "2028-03-31",
    "visit_events": "40", "visit_applicants": "300", "venue_events": "12",
    "venue_applicants": "240",
}  # fmt: skip


def text(resp) -> str:
    return resp.get_data(as_text=True)


def period_id(name: str) -> int:
    with db.reader() as s:
        return ct.find_by_name(s, name).id


def test_the_manager_creates_a_period_and_appoints_its_general_manager(client):
    gm = make_staff("yamada", "general_manager", name="山田 総括")
    login(client, "yamada")
    resp = post(client, "/console/contracts/new", {**NEW, "general_manager_id": str(gm)},
                page="/console/contracts/new")  # fmt: skip
    assert resp.status_code == 302
    page = text(client.get(resp.headers["Location"]))
    assert "契約期間を保存しました。" in page and 'value="令和9年度"' in page
    listing = text(client.get("/console/contracts"))
    assert "令和9年度" in listing and "2027年4月1日(木)〜2028年3月31日(金)" in listing
    assert "山田 総括" in listing
    with db.reader() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "create")).one()
        assert (entry.actor, entry.target) == ("staff:yamada", f"contract:{period_id('令和9年度')}")


def test_an_overlapping_period_is_refused_next_to_its_field(client):
    make_staff("yamada", "general_manager")
    login(client, "yamada")
    resp = post(client, "/console/contracts/new", {**NEW, "starts_on": "2027-03-01"},
                page="/console/contracts/new")  # fmt: skip
    assert resp.status_code == 422
    page = text(resp)
    assert 'id="starts_on-error"' in page and "ほかの契約期間と日付が重なっています" in page
    assert 'aria-invalid="true"' in page
    with db.reader() as s:
        assert ct.find_by_name(s, "令和9年度") is None


def test_an_end_before_the_start_is_refused(client):
    make_staff("yamada", "general_manager")
    login(client, "yamada")
    resp = post(client, f"/console/contracts/{period_id('令和8年度')}",
                {**NEW, "name": "令和8年度", "starts_on": "2026-04-01", "ends_on": "2026-03-31"},
                page="/console/contracts")  # fmt: skip
    assert resp.status_code == 422
    assert "終了は開始より後にしてください。" in text(resp)


def test_the_manager_edits_a_period_and_the_change_is_audited(client):
    make_staff("yamada", "general_manager")
    login(client, "yamada")
    pid = period_id("令和8年度")
    resp = post(client, f"/console/contracts/{pid}",
                {**NEW, "name": "令和8年度", "starts_on": "2026-04-01", "ends_on": "2027-03-31",
                 "venue_events": "15"}, page="/console/contracts")  # fmt: skip
    assert resp.status_code == 302
    with db.reader() as s:
        assert ct.get_period(s, pid).venue_events == 15
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
        assert entry.target == f"contract:{pid}" and "venue_events" in entry.reason


def test_only_the_manager_may_create_or_edit_periods(client):
    make_staff("site", "site_manager", approved=True)
    login(client, "site")
    assert client.get("/console/contracts").status_code == 200
    assert client.get("/console/contracts/new").status_code == 403
    pid = period_id("令和8年度")
    page = text(client.get(f"/console/contracts/{pid}"))
    assert "<fieldset disabled" in page and "保存する</button>" not in page
    assert post(client, f"/console/contracts/{pid}", NEW, page="/console/contracts").status_code == 403


def test_the_plan_page_shows_the_current_period_and_any_earlier_one(client):
    make_staff("city", "city_official")
    login(client, "city")
    page = text(client.get("/console/plan"))
    assert "令和8年度(2026-04-01〜2027-03-31)</h2>" in page
    earlier = text(client.get(f"/console/plan?period={period_id('令和7年度')}"))
    assert "令和7年度(2025-04-01〜2026-03-31)</h2>" in earlier
    assert "過去または今後の契約期間を表示しています。" in earlier
    # A period id that does not exist shows the current one rather than an error.
    assert "令和8年度(2026-04-01〜2027-03-31)</h2>" in text(client.get("/console/plan?period=999"))


def test_a_period_without_a_general_manager_is_marked_unappointed_in_the_list(client):
    make_staff("yamada", "general_manager")
    login(client, "yamada")
    listing = text(client.get("/console/contracts"))
    assert '<span class="badge bad">未任命</span>' in listing


def test_the_api_lists_periods_and_gives_progress_per_period(api):
    periods = api.get("/contract-periods").get_json()
    assert [(p["name"], p["current"]) for p in periods] == [("令和8年度", True), ("令和7年度", False)]
    assert periods[1]["end"] == "2026-03-31"
    assert periods[0]["targets"]["visit"] == {"events": 40, "applicants": 300}
    plan = api.get("/plan").get_json()
    assert plan["period"]["name"] == "令和8年度"
    earlier = api.get(f"/plan?period_id={periods[1]['id']}").get_json()
    assert earlier["period"]["name"] == "令和7年度"
    assert api.get("/plan?period_id=999").status_code == 404
    assert api.get("/plan?period_id=abc").status_code == 400
