"""Reports in a real browser (Chromium), on a phone-sized screen: a site manager records
a venue day's figures (an error shows next to its field first), uploads a photo and
confirms it, then downloads the daily report as Excel and PDF (the photo in both)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from models.db import db
from models.events import DONE
from models.staff import SITE_MANAGER, WORKER, Assignment
from tests.booking_factories import jst, venue_event
from tests.browser.test_console_browser import browser, sign_in  # noqa: F401 - fixtures
from tests.browser.waits import says, shows
from tests.console_helpers import make_staff


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 160, 90)).save(buf, "JPEG")
    return buf.getvalue()


def test_a_site_manager_records_the_day_on_a_phone_and_downloads_both_formats(browser, live):  # noqa: F811
    sm = make_staff("sm", SITE_MANAGER, approved=True, name="現場一郎")
    worker = make_staff("wk", WORKER, name="作業二郎")
    with db.unit_of_work() as s:
        event = venue_event(s, jst(2026, 11, 28, 10), status=DONE)
        for staff_id, role in ((sm, SITE_MANAGER), (worker, WORKER)):
            s.add(Assignment(event_id=event.id, staff_id=staff_id, role=role))
        s.commit()
        event_id = event.id
    context = browser.new_context(base_url=live.base_url, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True, locale="ja-JP",
                                  accept_downloads=True)  # fmt: skip
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, "sm")
        page.wait_for_url(re.compile(r"/console/"))
        shows(page.locator("#missing-figures-reminder"))
        page.goto(f"/console/events/{event_id}")
        page.locator("#record-results").click()
        shows(page.get_by_role("heading", name="実績の入力"))
        page.get_by_label("対応した人数").fill("3")
        page.get_by_label("オンライン申請(その場で申請)").fill("2")
        page.get_by_label("申請書(紙)で申請").fill("2")
        page.get_by_label("申請の方法").fill("2")
        page.get_by_label("特記事項").fill("雨のため来場は少なめ。")
        page.get_by_role("button", name="実績を保存する").click()
        error = page.locator("#people_served-error")
        says(error, "対応人数を超えています")
        assert page.get_by_label("対応した人数").get_attribute("aria-invalid") == "true"
        page.get_by_label("対応した人数").fill("6")
        page.get_by_role("button", name="実績を保存する").click()
        shows(page.get_by_role("status").filter(has_text="実績を保存しました。"))
        page.goto(f"/console/events/{event_id}")
        page.locator("#event-photos-link").click()
        page.locator("#photo-file").set_input_files(
            files=[{"name": "venue.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
        page.get_by_label(re.compile("^説明")).fill("受付の様子")
        page.get_by_role("button", name="送って顔をぼかす").click()
        page.locator("#confirm-photo").click()
        page.goto("/console/reports")
        page.get_by_role("link", name=re.compile("2026-11-28")).click()
        says(page.locator("#report-preview"), "日次報告書")
        with page.expect_download() as xlsx:
            page.get_by_role("link", name=re.compile("Excel")).click()
        with page.expect_download() as pdf:
            page.get_by_role("link", name=re.compile("PDF")).click()
        book = load_workbook(io.BytesIO(open(xlsx.value.path(), "rb").read()))
        assert list(book["実施回"].values)[-1][6] == 4  # 2 online + 2 paper
        assert book["写真"]._images
        text = "".join(p.extract_text() for p in PdfReader(pdf.value.path()).pages)
        squeezed = "".join(text.split())
        assert "日次報告書" in squeezed and "雨のため来場は少なめ" in squeezed
        assert "受付の様子" in squeezed and sum(len(p.images) for p in PdfReader(pdf.value.path()).pages)
    finally:
        context.close()
