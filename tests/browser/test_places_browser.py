"""Places in the console, in Chromium: a manager registers a venue from the menu, records
the city's approval, and the new-event form offers it."""

from __future__ import annotations

import re

from models.db import db
from models.places import Place
from tests.browser.test_console_browser import browser, page, sign_in  # noqa: F401 - fixtures
from tests.browser.waits import reads, shows
from tests.console_helpers import make_staff


def test_a_manager_registers_a_venue_records_the_approval_and_plans_an_event_there(
    page,  # noqa: F811 - the fixture
):
    make_staff("mgr", "general_manager", name="総括 花子")
    sign_in(page, "mgr")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="場所").click()
    page.wait_for_url(re.compile(r"/console/places$"))
    shows(page.get_by_text("登録されている場所はありません。"))
    page.get_by_role("link", name="場所を登録する").click()
    page.get_by_role("textbox", name=re.compile("^名前")).fill("長府公民館 2階 会議室")
    page.get_by_label("郵便番号", exact=True).fill(
        "7500000"
    )  # the city's catch-all code: no area in it
    page.get_by_label("利用時間(開始)").fill("09:00")
    page.get_by_label("利用時間(終了)").fill("08:00")
    page.get_by_role("button", name="保存する").click()
    reads(page.locator("#closes-error"), "利用時間の終了は開始より後にしてください。")
    assert page.get_by_label("利用時間(終了)").get_attribute("aria-invalid") == "true"
    page.get_by_label("郵便番号", exact=True).fill("752-0927")
    page.get_by_label("利用時間(終了)").fill("17:00")
    page.get_by_role("button", name="保存する").click()
    shows(page.get_by_role("status").filter(has_text="場所を保存しました。"))
    assert page.get_by_label("地区", exact=True).input_value() == "chofu"  # from 752-0927
    reads(page.locator("#approval-state"), "市の承認なし")

    page.get_by_label("承認した人(市の部署と名前)").fill("市民部 市民課 山田")
    page.get_by_label("文書番号(任意)").fill("下市第123号")
    page.get_by_role("button", name="市の承認を記録する").click()
    shows(page.get_by_role("status").filter(has_text="市の承認を記録しました。"))
    reads(page.locator("#approved-by"), "市民部 市民課 山田")
    reads(page.locator("#approval-ref"), "下市第123号")

    page.goto("/console/events/new")
    page.get_by_label("場所").select_option(label="会場:長府公民館 2階 会議室(09:00〜17:00)")
    with db.reader() as s:
        place = s.query(Place).one()
        assert place.approved_by_city and place.area == "chofu"
