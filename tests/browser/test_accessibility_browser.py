"""The public pages, both simulators and the console's sign-in pass axe-core with no
serious or critical violation (issue 17 point 6). axe-core ships inside the
axe-playwright-python wheel: nothing is downloaded."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from bot.sandbox import seed
from models.base import utcnow
from models.db import db
from tests.browser.test_console_browser import browser  # noqa: F401 - the fixture
from tests.console_helpers import PASSWORD

PAGES = ["/events", "/sandbox", "/sandbox/phone", "/console/login"]


@pytest.fixture
def demo(live):
    with db.unit_of_work() as s:
        seed.seed(s, utcnow(), password=lambda _login: PASSWORD)
        s.commit()
    return live


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(browser, demo, path):  # noqa: F811 - the fixture
    context = browser.new_context(base_url=demo.base_url, locale="ja-JP")
    page = context.new_page()
    page.goto(path)
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    context.close()
    assert serious == [], serious
