"""Issue 19, done when: a resident goes from 「訪問してほしい」 to a confirmed visit and
cancels it; a staff member schedules it entirely in the console."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from models import events as ev
from models.audit import AuditEntry
from models.db import db
from models.staff import Assignment
from models.visits import VisitRequest
from scheduler.business_calendar import JST, add_business_days
from tests.console_helpers import login, make_staff, post
from tests.line_helpers import Resident, quick_values, texts

PAGE = "/console/visit-requests"


def _visit_day() -> date:
    return add_business_days(datetime.now(JST).date(), 6)


def _ask_for_a_visit(resident: Resident, day: date) -> None:
    messages = resident.say("訪問してほしい")
    assert "menu:visit" in quick_values(messages), texts(messages)
    resident.choose("menu:visit")
    resident.choose("vk:home")
    resident.choose("purpose:first")
    resident.say("750-8521")
    resident.say("1番1号")
    resident.choose("n:2")
    resident.send("postback", data="pd", extra={"params": {"datetime": f"{day}T10:00"}})
    resident.choose("done")
    resident.choose("none")
    resident.say("0832311111")
    messages = resident.choose("yes")
    assert "受け付けました" in texts(messages)


def _deliver(live, resident: Resident) -> str:
    live.app.extensions["delivery"].deliver()
    return texts(resident.new_messages())


def test_a_resident_asks_staff_schedule_in_the_console_and_the_resident_cancels(live):
    resident = Resident(live, "U" + "9" * 32)
    resident.send("follow")
    day = _visit_day()
    _ask_for_a_visit(resident, day)
    make_staff("mgr", "general_manager", name="総括 花子", approved=True)
    sm = make_staff("sm", "site_manager", name="現場 一郎", approved=True)
    wk = make_staff("wk", "worker", name="従事 二郎")
    city = make_staff("city", "city_official", name="市 三郎")
    client = live.app.test_client()
    login(client, "mgr")
    page = client.get(PAGE).get_data(as_text=True)
    assert "1番1号" not in page  # the address stays masked (the town is shown for the area)
    assert f"{day.year}年{day.month}月{day.day}日(" in page and "10:00" in page  # 希望日時 for people
    with db.reader() as s:
        request_id = s.query(VisitRequest).one().id

    # Staff propose the resident's wished date; the resident accepts with one tap.
    resp = post(client, f"{PAGE}/{request_id}/propose",
                {"day": day.isoformat(), "start": "10:00", "minutes": "60"}, page=PAGE)  # fmt: skip
    assert resp.status_code == 302
    assert "日時のご提案" in _deliver(live, resident)
    proposal = next(v for v in quick_values(resident.requests_messages()) if v.endswith(":yes"))
    assert "市の確認がすんだら" in texts(resident.choose(proposal))

    # The city's approval, then the visit fixed with a team breaking a rule, then right.
    assert post(client, f"{PAGE}/{request_id}/approve", page=PAGE).status_code == 302
    fix = {"day": day.isoformat(), "start": "10:00", "minutes": "60", "site_manager": str(sm)}
    refused = post(client, f"{PAGE}/{request_id}/fix", fix, page=PAGE)
    assert refused.status_code == 422
    words = refused.get_data(as_text=True)
    assert "2人以上の業務従事者を配置してください" in words
    assert "訪問型は原則として市職員が同行します" in words
    # Each message beside the input it is about (issue 19), the select marked invalid.
    import re

    worker = re.search(rf'id="vr-{request_id}-worker1-error">([^<]+)<', words)
    official = re.search(rf'id="vr-{request_id}-city_official-error">([^<]+)<', words)
    assert worker and "2人以上の業務従事者" in worker.group(1)
    assert official and "市職員が同行" in official.group(1)
    assert f'aria-describedby="vr-{request_id}-worker1-error"' in words
    moved = post(client, f"{PAGE}/{request_id}/fix",
                 {**fix, "day": (day + timedelta(days=1)).isoformat(), "worker1": str(wk),
                  "city_official": str(city)}, page=PAGE)  # fmt: skip
    assert moved.status_code == 422 and "住民が承諾し市が承認した日時と違います" in moved.get_data(
        as_text=True
    )
    assert f'id="vr-{request_id}-fix-day-error">住民が承諾し' in moved.get_data(as_text=True)
    with db.reader() as s:
        assert s.query(ev.SupportEvent).count() == 0  # refusals leave nothing behind
    resp = post(client, f"{PAGE}/{request_id}/fix",
                {**fix, "worker1": str(wk), "city_official": str(city)}, page=PAGE)  # fmt: skip
    assert resp.status_code == 302
    with db.reader() as s:
        req = s.get(VisitRequest, request_id)
        event = s.get(ev.SupportEvent, req.event_id)
        event_id = event.id
        assert req.status == "scheduled" and event.kind == ev.VISIT and event.status == ev.OPEN
        assert sorted(a.role for a in s.query(Assignment).filter_by(event_id=event_id)) == [
            "city_official", "site_manager", "worker"]  # fmt: skip
    schedule = client.get(f"/console/schedule?view=week&date={day}").get_data(as_text=True)
    assert f"/console/events/{event_id}" in schedule
    told = _deliver(live, resident)
    assert "訪問の日時が決まりました" in told and f"{day.month}月{day.day}日" in told
    assert "申請時来庁方式" in told and "郵便でご本人あてにとどきます" in told

    # The resident cancels from 予約の確認; staff see it; the visit leaves the schedule.
    messages = resident.say("予約の確認")
    assert "訪問のお申し込みが1件あります" in texts(messages)
    assert f"vcx:{request_id}" in quick_values(messages)
    messages = resident.choose(f"vcx:{request_id}")
    assert "取り消しますか" in texts(messages) and "g:back" in quick_values(messages)
    assert "取り消しました" in texts(resident.choose("yes"))
    with db.reader() as s:
        assert s.get(VisitRequest, request_id).status == "declined"
        assert s.get(ev.SupportEvent, event_id).status == ev.CANCELLED
        assert s.query(AuditEntry).filter_by(action="resident_cancelled").count() == 1
    page = client.get(PAGE).get_data(as_text=True)
    assert "相談者が取り消した訪問依頼" in page and f"訪問依頼 No.{request_id}" in page
