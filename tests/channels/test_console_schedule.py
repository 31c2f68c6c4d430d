"""Schedule pages: views, the event form with the program's rules, approvals, visit proposals."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from models import events as ev
from models.approvals import Approval
from models.audit import AuditEntry
from models.db import db
from models.places import Place
from models.visits import VisitRequest
from scheduler.business_calendar import JST, is_business_day
from tests.console_helpers import login, make_staff, post


def business_day(after: int = 10) -> date:
    d = date.today() + timedelta(days=after)
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


def saturday(after: int = 10) -> date:
    d = date.today() + timedelta(days=after)
    return d + timedelta(days=(5 - d.weekday()) % 7)


@pytest.fixture
def places(app):
    with db.unit_of_work() as s:
        venue = Place(kind="venue", name="勝山公民館", opens="09:00", closes="17:00",
                      approved_by_city=True)  # fmt: skip
        home = Place(kind="home", name="山田様宅", address="下関市竹崎町1-1", approved_by_city=True)
        s.add_all([venue, home])
        s.commit()
        return {"venue": venue.id, "home": home.id}


def event_form(place_id: int, day: date, start="10:00", end="12:00", kind="venue", **extra):
    return {"kind": kind, "place_id": str(place_id), "day": day.isoformat(), "start": start,
            "end": end, "slot_minutes": "30", "capacity": "2", **extra}  # fmt: skip


def make_event(place_id: int, day: date, kind="venue", status=ev.PLANNED) -> int:
    with db.unit_of_work() as s:
        e = ev.SupportEvent(kind=kind, place_id=place_id, status=status,
                            starts_at=datetime.combine(day, time(10), JST),
                            ends_at=datetime.combine(day, time(12), JST))  # fmt: skip
        s.add(e)
        s.flush()
        s.add(ev.Slot(event_id=e.id, starts_at=e.starts_at, ends_at=e.ends_at, capacity=4,
                      booked=1))  # fmt: skip
        s.commit()
        return e.id


def test_site_manager_creates_an_event_with_slots(client, places):
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    day = business_day()
    resp = post(
        client, "/console/events/new", event_form(places["venue"], day), page="/console/events/new"
    )
    assert resp.status_code == 302
    with db.reader() as s:
        event = s.query(ev.SupportEvent).one()
        assert event.status == ev.PLANNED
        assert [sl.capacity for sl in event.slots] == [2, 2, 2, 2]
        assert s.query(AuditEntry).filter_by(action="create").count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"start": "07:00"}, "start", "会場の利用時間外です。"),
        ({"end": "09:00"}, "end", "終了は開始より後にしてください。"),
        ({"kind": "visit"}, "place_id", "種別と場所が合いません"),
        ({"slot_minutes": "45"}, "slot_minutes", "枠の長さで実施時間を割り切れません。"),
        ({"capacity": "0"}, "capacity", "1以上の数を入力してください。"),
        ({"day": "2020-01-06"}, "day", "過去の日時は選べません。"),
    ],
)
def test_rule_errors_are_shown_next_to_the_field(client, places, change, field, message):
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    form = event_form(places["venue"], business_day()) | change
    resp = post(client, "/console/events/new", form, page="/console/events/new")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f'id="{field}-error"' in page and message in page
    assert f'aria-describedby="{field}-error"' in page
    with db.reader() as s:
        assert s.query(ev.SupportEvent).count() == 0


def test_visit_on_a_saturday_is_refused(client, places):
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    form = event_form(places["home"], saturday(), kind="visit")
    resp = post(client, "/console/events/new", form, page="/console/events/new")
    assert resp.status_code == 422
    assert "訪問型は平日(祝日・年末年始を除く)だけです。" in resp.get_data(as_text=True)


def test_month_week_and_day_views_show_place_bookings_and_staff(client, places):
    day = business_day()
    event_id = make_event(places["venue"], day)
    make_staff("w1", "worker")
    login(client, "w1")
    for view in ("month", "week", "day"):
        page = client.get(f"/console/schedule?view={view}&date={day.isoformat()}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "勝山公民館" in text and "1/4" in text
        assert f"/console/events/{event_id}" in text


def test_home_names_are_masked_for_roles_that_cannot_reveal(client, places):
    day = business_day()
    make_event(places["home"], day, kind="visit")
    make_staff("w1", "worker")
    login(client, "w1")
    text = client.get(f"/console/schedule?view=day&date={day.isoformat()}").get_data(as_text=True)
    assert "山田様宅" not in text and "自宅" in text


def test_worker_cannot_edit_the_schedule(client, places):
    event_id = make_event(places["venue"], business_day())
    make_staff("w1", "worker")
    login(client, "w1")
    assert client.get("/console/events/new").status_code == 403
    resp = post(client, f"/console/events/{event_id}", event_form(places["venue"], business_day()))
    assert resp.status_code == 403
    assert "fieldset disabled" in client.get(f"/console/events/{event_id}").get_data(as_text=True)


def test_city_approval_is_recorded_with_who_and_when(client, places):
    event_id = make_event(places["venue"], business_day())
    make_staff("city", "city_official")
    login(client, "city")
    resp = post(
        client,
        f"/console/events/{event_id}/status",
        {"status": "approved", "not_combined": "1"},
        page="/console/schedule",
    )
    assert resp.status_code == 302
    with db.reader() as s:
        assert s.get(ev.SupportEvent, event_id).status == ev.APPROVED
        approval = s.query(Approval).one()
        assert (approval.target_kind, approval.login) == ("event", "city")
    page = client.get(f"/console/events/{event_id}").get_data(as_text=True)
    assert "city(" in page
    # …but the city cannot open the event for bookings.
    assert (
        post(
            client,
            f"/console/events/{event_id}/status",
            {"status": "open"},
            page="/console/schedule",
        ).status_code
        == 403
    )


def test_opening_needs_the_staffing_rules(client, places):
    event_id = make_event(places["venue"], business_day(), status=ev.APPROVED)
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    resp = post(
        client, f"/console/events/{event_id}/status", {"status": "open"}, page="/console/schedule"
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "2人以上の業務従事者を配置してください" in text
    assert "うち1人は、市の承認を受けた現場管理責任者にしてください" in text


def test_assignment_rules_are_shown_inline(client, places):
    event_id = make_event(places["venue"], business_day())
    make_staff("mgr", "general_manager")
    unapproved = make_staff("sm2", "site_manager", approved=False)
    login(client, "mgr")
    resp = post(
        client,
        f"/console/events/{event_id}/assign",
        {"staff_id": str(unapproved), "role": "site_manager"},
        page="/console/schedule",
    )
    assert resp.status_code == 422
    assert "市の承認を受けていない人は現場管理責任者にできません。" in resp.get_data(as_text=True)
    worker = make_staff("w1", "worker")
    resp = post(
        client,
        f"/console/events/{event_id}/assign",
        {"staff_id": str(worker), "role": "worker"},
        page="/console/schedule",
    )
    assert resp.status_code == 302


def test_staff_propose_a_visit_date_and_the_resident_is_told(client, places):
    from models.outbox import OutboxMessage
    from models.residents import Resident

    with db.unit_of_work() as s:
        resident = Resident(line_user_id="Uvisit", line_key="kvisit", line_reachable=True)
        s.add(resident)
        s.flush()
        s.add(VisitRequest(resident_id=resident.id, kind="home", postal_code="7500001",
                           address="下関市竹崎町1-1", applicants=2, preferred=[],
                           contact_phone="0832000000", channel="line"))  # fmt: skip
        s.commit()
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    page = client.get("/console/visit-requests").get_data(as_text=True)
    assert "竹崎町" not in page  # the address stays hidden
    resp = post(
        client,
        "/console/visit-requests/1/propose",
        {"day": saturday().isoformat(), "start": "10:00", "minutes": "60"},
    )
    assert resp.status_code == 422 and "訪問型は平日" in resp.get_data(as_text=True)
    resp = post(
        client,
        "/console/visit-requests/1/propose",
        {"day": business_day().isoformat(), "start": "10:00", "minutes": "60"},
    )
    assert resp.status_code == 302
    with db.reader() as s:
        assert s.get(VisitRequest, 1).status == "proposed"
        assert s.query(OutboxMessage).filter_by(source="visit_proposal").count() == 1


# --- issue 11: the program's rules as written --------------------------------------------


def test_a_venue_event_is_approved_only_with_the_not_combined_confirmation(client, places):
    event_id = make_event(places["venue"], business_day())
    make_staff("city", "city_official")
    login(client, "city")
    page = client.get(f"/console/events/{event_id}").get_data(as_text=True)
    assert "特定の政党、宗教又は営利を目的とした催し等と合わせた実施ではないことを確認しました" in page
    resp = post(client, f"/console/events/{event_id}/status", {"status": "approved"},
                page="/console/schedule")  # fmt: skip
    assert resp.status_code == 422
    assert "会場型の承認には、特定の政党、宗教又は営利を目的とした催し等と合わせた実施ではないことの確認が必要です。" in resp.get_data(as_text=True)
    with db.reader() as s:
        assert s.get(ev.SupportEvent, event_id).status == ev.PLANNED
        assert s.query(Approval).count() == 0
    post(client, f"/console/events/{event_id}/status", {"status": "approved", "not_combined": "1"},
         page="/console/schedule")  # fmt: skip
    page = client.get(f"/console/events/{event_id}").get_data(as_text=True)
    assert "合わせた実施ではないことを確認済み" in page
    with db.reader() as s:
        approval = s.query(Approval).one()
        assert (approval.not_combined, approval.login) == (True, "city")


def test_the_city_records_a_visit_without_a_city_official_with_its_reason(client, places):
    event_id = make_event(places["home"], business_day(), kind="visit", status=ev.APPROVED)
    make_staff("city", "city_official", name="市 太郎")
    login(client, "city")
    refused = post(client, f"/console/events/{event_id}/official-waiver", {"reason": " "},
                   page="/console/schedule")  # fmt: skip
    assert refused.status_code == 422
    assert "市職員が同行しない理由を入力してください。" in refused.get_data(as_text=True)
    resp = post(client, f"/console/events/{event_id}/official-waiver",
                {"reason": "同行予定の職員が急病のため、施設長の立会いで実施"},
                page="/console/schedule")  # fmt: skip
    assert resp.status_code == 302
    page = client.get(f"/console/events/{event_id}").get_data(as_text=True)
    assert "なし(例外として承認済み)" in page and "施設長の立会いで実施" in page
    with db.reader() as s:
        entry = s.query(AuditEntry).filter_by(action="waive_city_official").one()
        assert (entry.actor, entry.target) == ("staff:city", f"event:{event_id}")


def test_a_worker_cannot_waive_the_city_official(client, places):
    event_id = make_event(places["home"], business_day(), kind="visit")
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    resp = post(client, f"/console/events/{event_id}/official-waiver", {"reason": "都合"},
                page="/console/schedule")  # fmt: skip
    assert resp.status_code == 403


def test_every_page_warns_when_the_current_period_has_no_general_manager(client):
    from models import contracts as ct

    gm = make_staff("mgr", "general_manager", name="総括 花子")
    login(client, "mgr")
    warning = "現在の契約期間(令和8年度)に総括責任者が任命されていません。"
    for path in ("/console/schedule", "/console/plan", "/console/inbox"):
        assert warning in client.get(path).get_data(as_text=True), path
    with db.unit_of_work() as s:
        ct.current_period(s).general_manager_id = gm
        s.commit()
    assert warning not in client.get("/console/schedule").get_data(as_text=True)
