"""Announcements in a real browser (issue 14): compose, preview, approve, send, see stats.
Also takes the screenshots docs/announcements.md shows when DOCS_SCREENSHOTS names a folder."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from tests.browser.test_console_browser import browser, page, sign_in  # noqa: F401
from tests.browser.waits import reads, says, shows, starts_with
from tests.channels.test_announcements import _next_slot, residents
from tests.console_helpers import make_staff

SHOTS = os.environ.get("DOCS_SCREENSHOTS")


def test_a_manager_announces_to_two_areas_and_sees_the_stats(page, live):  # noqa: F811
    from scheduler.reach_jobs import dispatch_due, settle_sent

    residents(2, area="chofu")
    residents(1, area="hikoshima")
    residents(1, area="toyoura")  # not chosen: gets nothing
    make_staff("writer", "site_manager", name="現場 一郎")
    make_staff("boss", "general_manager", name="総括 花子")

    sign_in(page, "writer")
    page.get_by_role("link", name="お知らせ配信").click()
    page.get_by_role("link", name="お知らせを作る").click()
    page.get_by_label("件名").fill("来月の会場のお知らせ")
    page.get_by_label("本文").fill("長府と彦島で、マイナンバーカードの申請会場をひらきます。")
    page.get_by_label("長府").check()
    page.get_by_label("彦島").check()
    page.get_by_label("配信日時").fill(_next_slot().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="保存してプレビュー").click()

    reads(page.locator("#count-line"), "3")
    says(page.locator("#preview-line"), "長府と彦島で")
    says(page.locator("#preview-line"), "配信停止")
    says(page.locator("#preview-sms"), "STOP")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "announcement-preview.png"), full_page=True)
    page.get_by_role("button", name="承認を依頼する").click()
    starts_with(page.locator("#status"), "承認待ち")
    assert page.get_by_role("button", name="承認する").count() == 0  # not by the writer

    page.get_by_role("button", name="ログアウト").click()
    sign_in(page, "boss")
    page.goto("/console/announcements")
    page.get_by_role("link", name="来月の会場のお知らせ").click()
    page.get_by_role("button", name="承認する").click()
    starts_with(page.locator("#status"), "承認済み")

    at = _next_slot() + timedelta(minutes=1)  # the clock at the scheduled time
    assert dispatch_due(live.app, at) == 3
    live.app.extensions["delivery"].deliver()
    settle_sent(live.app, at)
    page.reload()
    reads(page.locator("#stat-targeted"), "3")
    reads(page.locator("#stat-sent"), "3")
    reads(page.locator("#stat-failed"), "0")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "announcement-stats.png"), full_page=True)


def test_the_public_events_page_reads_well_on_a_phone(browser, live):  # noqa: F811
    from bot.public import clear_cache
    from models.base import utcnow
    from models.db import db
    from tests import booking_factories as f

    with db.unit_of_work() as s:
        soon = (utcnow() + timedelta(days=4)).replace(minute=0, second=0, microsecond=0)
        f.venue_event(s, soon, place=f.venue(s, "ゆめシティ 1階 特設会場"))
        f.venue_event(s, soon + timedelta(days=7), place=f.venue(s, "彦島公民館", area="hikoshima"))
        s.commit()
    clear_cache()
    context = browser.new_context(base_url=live.base_url, viewport={"width": 390, "height": 844},
                                  locale="ja-JP", device_scale_factor=1)  # fmt: skip
    phone = context.new_page()
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.goto("/events")
    shows(phone.get_by_role("heading", name="これからの会場"))
    assert phone.locator(".event").count() == 2
    shows(phone.locator(".qr svg"))
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone
    assert not [e for e in errors if "Content Security Policy" in e]  # nothing the CSP blocks
    if SHOTS:
        phone.screenshot(path=str(Path(SHOTS) / "events-page.png"), full_page=True)
    context.close()
