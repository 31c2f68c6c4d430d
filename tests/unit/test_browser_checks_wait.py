"""The browser tests check the page with checks that wait (tests/browser/waits.py).

``assert locator.is_visible()`` answers at once: right after a click that loads a new
page it can look at a page that has not arrived yet, which failed CI once on a busy
machine (the results form's heading, stop 27)."""

from __future__ import annotations

import re
from pathlib import Path

BROWSER_TESTS = Path(__file__).resolve().parents[1] / "browser"


def test_no_browser_test_asserts_on_an_immediate_visibility_check():
    offenders = [f"{path.name}:{n}" for path in sorted(BROWSER_TESTS.glob("test_*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"\bassert\b.*\.is_visible\(\)", line)]  # fmt: skip
    assert len(list(BROWSER_TESTS.glob("test_*.py"))) >= 10
    assert offenders == [], "use tests.browser.waits.shows(locator): " + ", ".join(offenders)
