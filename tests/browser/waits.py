"""Checks that wait for the page: Playwright's ``expect`` retries until the page shows what
is asked or the time runs out. A plain ``is_visible()`` or ``inner_text()`` answers at once,
so right after a click that loads a new page it can read the old page, or a page that has
not finished arriving, and fail on a slow machine.

Playwright is imported when a check runs, so collecting these tests without it still works
(the ``browser`` fixture skips them, or fails them under CI=true)."""

from __future__ import annotations

import re

TIMEOUT_MS = 15_000


def _expect(locator):
    from playwright.sync_api import expect

    return expect(locator)


def shows(locator) -> None:
    """The element is (or becomes) visible."""
    _expect(locator).to_be_visible(timeout=TIMEOUT_MS)


def says(locator, text: str | re.Pattern) -> None:
    """The element's rendered text contains ``text``."""
    _expect(locator).to_contain_text(text, use_inner_text=True, timeout=TIMEOUT_MS)


def never_says(locator, text: str) -> None:
    """The element's rendered text does not contain ``text``."""
    _expect(locator).not_to_contain_text(text, use_inner_text=True, timeout=TIMEOUT_MS)


def reads(locator, text: str) -> None:
    """The element's rendered text is ``text`` (whitespace squeezed)."""
    _expect(locator).to_have_text(text, use_inner_text=True, timeout=TIMEOUT_MS)


def starts_with(locator, text: str) -> None:
    """The element's rendered text starts with ``text``."""
    _expect(locator).to_have_text(re.compile("^\\s*" + re.escape(text)), use_inner_text=True,
                                  timeout=TIMEOUT_MS)  # fmt: skip


def counts(locator, n: int) -> None:
    """Exactly ``n`` elements match."""
    _expect(locator).to_have_count(n, timeout=TIMEOUT_MS)


def hidden(locator) -> None:
    """The element is (or becomes) hidden or absent."""
    _expect(locator).to_be_hidden(timeout=TIMEOUT_MS)
