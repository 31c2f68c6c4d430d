"""Issue 15 in a real browser: staff assign a kept question to a topic.

The guard page lists what the new example changes before anything is saved.
Skipped when Playwright or /usr/bin/chromium is missing, except under CI=true.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from models import faq_review as fr
from models.db import db
from tests.browser.test_console_browser import browser, page, sign_in  # noqa: F401
from tests.browser.waits import says, shows
from tests.console_helpers import make_staff


def test_staff_assign_a_question_after_seeing_the_guard(page, monkeypatch):  # noqa: F811
    from handlers.faq import guard

    monkeypatch.setattr(guard, "guard_rows", lambda: (
        ("マイナンバーカードの手数料はいくらですか", "fees"),
        ("暗証番号を忘れました", "pin_forgot_lock"),
    ))
    prediction = SimpleNamespace(top3=["kofu_tsuchisho"], score=0.3, band="suggest")
    with db.unit_of_work() as s:
        item = fr.record_faq_miss(s, question_redacted="青いはがきはなんの知らせ？",
                                  prediction=prediction, channel="line")  # fmt: skip
        s.commit()
        item_id = item.id
    make_staff("worker1", "worker")
    sign_in(page, "worker1")
    page.wait_for_url(re.compile(r"/console/"))
    page.goto("/console/faq-review")
    row = page.locator(f"tr[data-item-id='{item_id}']")
    row.get_by_label("トピックに割り当てる").select_option("expiry_notice")
    row.get_by_role("button", name="影響を確かめる").click()
    page.wait_for_selector("#guard-summary")
    shows(page.get_by_role("heading", name="割り当ての確認"))
    says(page.locator("main"), "評価用の質問 2 件")
    page.get_by_role("button", name="この割り当てを保存する").click()
    page.wait_for_url(re.compile(r"/console/faq-review"))
    says(page.locator("body"), "次の起動から例文として使われます")
    with db.reader() as s:
        assert s.get(fr.FaqReviewItem, item_id).assigned_topic == "expiry_notice"
