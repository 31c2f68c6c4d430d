"""The staff console in a real browser (Debian's Chromium through Playwright).

Sign in; answer an inquiry and see the reply reach the LINE stand-in;
create an event that breaks a rule and see the error next to the field; a
worker cannot see what a manager can; record an applicant and follow a
defect case to an answer.
Skipped when Playwright or /usr/bin/chromium is missing, except under CI=true.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from models.db import db
from tests.browser.waits import reads, says, shows
from tests.console_helpers import PASSWORD, escalate, make_staff
from tests.line_helpers import Resident, texts

CHROMIUM = Path("/usr/bin/chromium")
CI = os.environ.get("CI", "").lower() == "true"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip


def _need(ok: bool, why: str) -> None:
    if not ok:
        if CI:
            pytest.fail(f"{why} (required in CI)", pytrace=False)
        pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed (pip install playwright)")
    _need(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live):
    live.app.config["CONSOLE_POLL_SECONDS"] = 1
    # A tablet in landscape.
    context = browser.new_context(base_url=live.base_url, viewport={"width": 1024, "height": 768},
                                  locale="ja-JP")  # fmt: skip
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


def sign_in(page, login: str) -> None:
    page.goto("/console/login")
    page.get_by_label("ログインID").fill(login)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_staff_signs_in_with_the_keyboard(page):
    make_staff("mgr", "general_manager", name="総括 花子")
    page.goto("/console/login")
    page.keyboard.press("Tab")  # the skip link comes first
    page.get_by_label("ログインID").fill("mgr")
    page.get_by_label("ログインID").press("Tab")
    # Tab goes from the login ID to the password, in reading order
    assert page.get_by_label("パスワード").evaluate("el => el === document.activeElement")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/inbox"))
    shows(page.get_by_role("heading", name="受付一覧"))
    says(page.locator("header"), "総括 花子(総括責任者)")


def test_staff_answers_an_inquiry_and_the_reply_reaches_line(page, live, new_user_id):
    make_staff("w1", "worker")
    sign_in(page, "w1")
    page.wait_for_url(re.compile(r"/console/inbox"))
    resident = Resident(live, new_user_id)
    inquiry_id = escalate(resident)  # arrives while the page is open
    resident.new_messages()
    banner = page.locator("#new-escalations")
    banner.wait_for(state="visible")  # alerted without reloading
    banner.get_by_role("link").click()
    page.get_by_role("link", name=f"問-{inquiry_id:04d}").click()
    page.get_by_label("定型文").select_option(label="確認中のお知らせ")
    page.get_by_label("本文").fill("会場は下関市役所です。")
    page.get_by_role("button", name="送信する").click()
    shows(page.get_by_role("status").filter(has_text="返信を送りました。"))
    reads(page.locator("#inquiry-status"), "回答済み")
    assert "会場は下関市役所です。" in texts(resident.new_messages())


def test_an_event_that_breaks_a_rule_shows_the_error_next_to_the_field(page):
    from models.places import Place

    with db.unit_of_work() as s:
        s.add(Place(kind="venue", name="勝山公民館", opens="09:00", closes="17:00",
                    approved_by_city=True))  # fmt: skip
        s.commit()
    make_staff("sm", "site_manager", approved=True)
    sign_in(page, "sm")
    page.goto("/console/events/new")
    page.get_by_label("種別").select_option(label="会場型")
    page.get_by_label("場所").select_option(label="会場:勝山公民館(09:00〜17:00)")
    page.get_by_label("日付").fill((date.today() + timedelta(days=10)).isoformat())
    page.get_by_label("開始").fill("07:00")  # before the venue opens
    page.get_by_label("終了").fill("12:00")
    page.get_by_role("button", name="保存する").click()
    error = page.locator("#start-error")
    reads(error, "会場の利用時間外です。")
    assert page.get_by_label("開始").get_attribute("aria-invalid") == "true"
    shows(page.get_by_role("alert").first)
    page.get_by_label("開始").fill("10:00")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url(re.compile(r"/console/events/\d+$"))
    reads(page.locator("#event-status"), "計画中")


def test_a_worker_cannot_see_what_a_manager_can(page, live, new_user_id):
    inquiry_id = escalate(Resident(live, new_user_id))
    make_staff("mgr", "general_manager")
    make_staff("w1", "worker")
    sign_in(page, "mgr")
    page.goto(f"/console/inquiries/{inquiry_id}")
    shows(page.get_by_label("個人情報を表示する理由(記録されます)"))
    shows(page.get_by_role("link", name="市への報告(苦情)"))
    page.get_by_role("button", name="ログアウト").click()

    sign_in(page, "w1")
    page.goto(f"/console/inquiries/{inquiry_id}")
    assert page.get_by_label("個人情報を表示する理由(記録されます)").count() == 0
    assert page.get_by_role("link", name="市への報告(苦情)").count() == 0
    page.goto("/console/reports/complaints")
    shows(page.get_by_role("heading", name="この画面を見る権限がありません"))
    page.goto("/console/events/new")
    shows(page.get_by_role("heading", name="この画面を見る権限がありません"))


def test_staff_record_an_applicant_and_follow_a_defect_to_an_answer(page):
    from tests.booking_factories import venue_event

    with db.unit_of_work() as s:
        event_id = venue_event(s).id
        s.commit()
    make_staff("w2", "worker")
    sign_in(page, "w2")
    page.wait_for_url(re.compile(r"/console/inbox"))
    page.get_by_role("navigation").get_by_role("link", name="申請の記録").click()
    page.get_by_role("link", name=f"No.{event_id}", exact=True).click()
    page.get_by_label("氏名(必須)").fill("下関 花子")
    page.get_by_label("連絡先電話番号").fill("090-1234-5678")
    page.get_by_label("申請書ID(23けた)").fill("12345678901234567890123")
    page.get_by_role("button", name="記録する").click()
    row = page.locator("#records tbody tr").first
    says(row, "下関 花子")
    assert "12345678901234567890123" not in page.content()  # masked on the page
    says(row.locator("td.masked").first, "0123")
    row.get_by_role("link").first.click()
    page.get_by_label("不備の理由").select_option(label="写真不備")
    page.get_by_label("どこからの連絡か").select_option(label="J-LISの通知")
    page.get_by_role("button", name="不備を登録する").click()
    page.wait_for_url(re.compile(r"/console/defects/\d+"))
    reads(page.locator("#case-status"), "新規")
    page.get_by_label("手段").select_option(label="電話")
    page.get_by_label("結果").select_option(label="本人と話せた")
    page.get_by_role("button", name="記録する").click()
    reads(page.locator("#case-status"), "本人と連絡がついた")
    says(page.locator("#contacts"), "本人と話せた")
