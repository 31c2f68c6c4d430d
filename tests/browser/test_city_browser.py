"""The city in a real browser (Chromium): a complaint alert appears without reloading and
leads to the case; the general manager filters the audit log and downloads it."""

from __future__ import annotations

import re

from tests.browser.test_console_browser import browser, page, sign_in  # noqa: F401 - fixtures
from tests.browser.waits import counts, hidden, never_says, says, shows
from tests.console_helpers import make_staff
from tests.line_helpers import Resident


def test_the_city_is_alerted_to_a_complaint_without_reloading_and_reads_the_case(
    page, live, new_user_id  # noqa: F811 - the fixture
):
    live.app.config["CONSOLE_ALERT_POLL_SECONDS"] = 1
    make_staff("city", "city_official", name="市 太郎")
    sign_in(page, "city")
    page.wait_for_url(re.compile(r"/console/schedule"))
    alert = page.locator("#city-alert")
    assert alert.is_hidden()
    resident = Resident(live, new_user_id)
    resident.send("follow")
    resident.say("受付の人の態度が悪い。苦情を言いたい")
    alert.wait_for(state="visible")  # the poll shows it on the page already open
    says(alert, "未確認 1件")
    alert.get_by_role("link", name="苦情の一覧で確認する").click()
    page.locator("#complaints").get_by_role("link").first.click()
    says(page.locator("#complaint-summary"), "態度が悪い。苦情を言いたい")
    # The e-mail goes at the clock's next delivery round (every 5 s; no clock in this test).
    says(page.locator("#city-emailed"), re.compile("送信待ち|送信済み"))
    page.get_by_role("button", name="確認しました").click()
    shows(page.get_by_role("status").filter(has_text="確認を記録しました。"))
    never_says(page.locator("#city-acknowledged"), "市 太郎")  # login, not a name
    hidden(page.locator("#city-alert"))


def test_the_general_manager_filters_the_audit_log_and_downloads_it(page):  # noqa: F811
    make_staff("mgr", "general_manager")
    sign_in(page, "mgr")
    page.wait_for_url(re.compile(r"/console/inbox"))
    page.get_by_role("link", name="監査ログ").click()
    shows(page.get_by_role("heading", name="監査ログ"))
    page.get_by_label("何を").select_option(label="ログイン")
    page.get_by_role("button", name="絞り込む").click()
    rows = page.locator("#audit tbody tr")
    counts(rows, 1)
    says(rows.first, "staff:mgr")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CSVをダウンロード")).click()
    path = download.value.path()
    with open(path, encoding="utf-8-sig") as fh:
        lines = fh.read().splitlines()
    assert lines[0] == "日時,だれが,何を,どの記録,理由・内容" and len(lines) == 2
