# ruff: noqa: F811 - the browser fixtures are shared from test_console_browser
"""Issue 19 in Chromium: what staff see of a hand-over (taps as labels, the resident's
return to the menu), the search box by reference, and the inbox's call-back items.
Skipped like tests/browser/test_console_browser.py when Chromium is missing."""

from __future__ import annotations

import re

from models.db import db
from models.inquiries import Inquiry
from models.phone import request_callback
from tests.browser.test_console_browser import browser, page, sign_in  # noqa: F401
from tests.browser.waits import never_says, reads, says, shows, starts_with
from tests.console_helpers import escalate, make_staff
from tests.line_helpers import Resident, texts


def _search(page, ref: str) -> None:
    box = page.get_by_role("search")
    box.get_by_label("番号で探す").fill(ref)
    box.get_by_role("button", name="探す").click()


def test_staff_see_the_buttons_a_resident_pressed_and_their_return_to_the_menu(
    page, live, new_user_id
):
    resident = Resident(live, new_user_id)
    inquiry_id = escalate(resident)
    offer = texts(resident.choose("menu:venue"))  # e.g. the rich menu, during the hand-over
    assert "「会場で申請(予約)」に進みますか" in offer
    back = texts(resident.say("メニュー"))
    assert "担当者との会話を終えて、自動の案内に戻ります。" in back
    make_staff("w1", "worker")
    sign_in(page, "w1")
    page.wait_for_url(re.compile(r"/console/inbox"))
    _search(page, f"問-{inquiry_id:04d}")
    page.wait_for_url(re.compile(rf"/console/inquiries/{inquiry_id}$"))
    starts_with(page.get_by_role("heading", level=1), f"問い合わせ 問-{inquiry_id:04d}")
    transcript = page.locator("ol.transcript").inner_text()
    assert "相談者(ボタン)" in transcript
    assert "会場で申請(予約)" in transcript and "menu:venue" not in transcript
    assert (f"相談者が「メニュー」と送り、担当者との会話を終えて自動の案内に戻りました。"
            f"問-{inquiry_id:04d}は未完了のままです。") in transcript  # fmt: skip
    assert page.locator("dd", has_text="動作中").count() >= 1  # the bot answers again
    page.goto("/console/inbox")
    row = page.locator(f'tr[data-inquiry-id="{inquiry_id}"]')
    says(row, "自動応答に戻っています")  # the inbox tells staff too


def test_a_defect_report_and_a_voicemail_are_inbox_items_found_by_reference(
    page, live, new_user_id
):
    resident = Resident(live, new_user_id)
    resident.send("follow")
    resident.say("不備の通知が来た")
    resident.choose("defect:reason:photo")
    told = texts(resident.choose("defect:name:skip"))
    assert "(受付番号 不-0001)" in told
    with db.unit_of_work() as s:
        caller = Inquiry(resident_id=1, channel="voice", category="question")
        s.add(caller)
        s.flush()
        request_callback(s, resident_id=1, reason="voicemail", phone="0831234567",
                         inquiry_id=caller.id, call_sid="CA9")  # fmt: skip
        s.commit()
    make_staff("w1", "worker")
    sign_in(page, "w1")
    page.wait_for_url(re.compile(r"/console/inbox"))
    callbacks = page.locator("section", has=page.locator("#callbacks-h"))
    says(callbacks, "折り返しの依頼・留守番電話(1件)")
    says(callbacks, "留守番電話")
    never_says(callbacks, "未対応の折り返しはありません")
    inquiries = page.locator("section", has=page.locator("#inquiries-h"))
    says(inquiries, "不備")
    inquiries.get_by_role("link", name="不-0001").click()
    page.wait_for_url(re.compile(r"/console/defects/1$"))
    reads(page.get_by_role("heading", level=1), "不備の案件 不-0001")
    says(page.locator("main"), "住民からの連絡: 写真不備")
    _search(page, "予-ZZZZZZ")
    shows(page.get_by_role("alert").filter(has_text="に当たる受付は見つかりません"))
