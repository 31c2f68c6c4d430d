"""Issue 19 in Chromium: a staff member fixes an approved visit in the console — the
team breaking the staffing rules is refused next to the form, then the visit is fixed,
appears on the schedule and the resident is told."""

from __future__ import annotations

import re
from datetime import datetime, time

from models.approvals import VISIT_REQUEST, record_approval
from models.db import db
from models.outbox import OutboxMessage
from models.residents import Resident
from models.visits import APPROVED, VisitRequest, answer_proposal, propose
from scheduler.business_calendar import JST, add_business_days
from tests.browser.test_console_browser import browser, page, sign_in  # noqa: F401
from tests.browser.waits import says
from tests.console_helpers import make_staff


def _approved_request() -> tuple[int, datetime]:
    day = add_business_days(datetime.now(JST).date(), 6)
    start = datetime.combine(day, time(10), JST)
    with db.unit_of_work() as s:
        resident = Resident(line_user_id="U" + "7" * 32, line_key="k7", line_reachable=True)
        s.add(resident)
        s.flush()
        req = VisitRequest(resident_id=resident.id, kind="home", postal_code="7508521",
                           address="南部町1番1号", applicants=2, preferred=[start.isoformat()],
                           contact_phone="0832311111", channel="line")  # fmt: skip
        s.add(req)
        s.flush()
        proposal = propose(s, req, start, start.replace(hour=11), datetime.now(JST))
        answer_proposal(proposal, True, datetime.now(JST))
        req.status = APPROVED
        record_approval(s, VISIT_REQUEST, req.id, staff_id=None, login="city", now=datetime.now(JST))
        s.commit()
        return req.id, start


def test_staff_fix_a_visit_in_the_console_with_rule_errors_in_japanese(page):  # noqa: F811
    make_staff("mgr", "general_manager", name="総括 花子", approved=True)
    make_staff("sm", "site_manager", name="現場 一郎", approved=True)
    make_staff("wk", "worker", name="従事 二郎")
    make_staff("city", "city_official", name="市 三郎")
    request_id, start = _approved_request()
    sign_in(page, "mgr")
    page.goto("/console/visit-requests")
    card = page.locator(f"#vr-{request_id}").locator("xpath=..")
    day = f"{start.year}年{start.month}月{start.day}日("
    says(card, day)
    says(card, "南部町")  # 地区: the town, not 「—」
    page.get_by_label("現場管理責任者", exact=True).select_option(label="現場 一郎(現場管理責任者)")
    page.get_by_role("button", name="訪問を確定して相談者に知らせる").click()
    alert = page.get_by_role("alert").first
    says(alert, "下の各項目の横の説明を確かめてください")
    # The refusal beside the input it is about (issue 19), announced with the field.
    worker = page.get_by_label("業務従事者", exact=True)
    assert worker.get_attribute("aria-invalid") == "true"
    described = worker.get_attribute("aria-describedby")
    says(page.locator(f"#{described}"), "2人以上の業務従事者を配置してください")
    page.get_by_label("現場管理責任者", exact=True).select_option(label="現場 一郎(現場管理責任者)")
    page.get_by_label("業務従事者", exact=True).select_option(label="従事 二郎(業務従事者)")
    page.get_by_label("同行する市職員").select_option(label="市 三郎(市職員)")
    page.get_by_role("button", name="訪問を確定して相談者に知らせる").click()
    page.wait_for_url(re.compile(r"/console/events/\d+"))
    says(page.locator("main"), "訪問の日程を確定し、予定表に載せました")
    page.goto(f"/console/schedule?view=day&date={start.date().isoformat()}")
    says(page.locator("main"), "10:00")
    with db.reader() as s:
        assert s.get(VisitRequest, request_id).status == "scheduled"
        assert s.query(OutboxMessage).filter_by(source="visit_scheduled").count() == 1
