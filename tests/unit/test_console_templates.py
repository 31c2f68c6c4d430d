"""Console pages carry no inline script and no on* handler attributes, so that a
Content-Security-Policy without 'unsafe-inline' can hold: JavaScript lives in
templates/console/_console.js, served as a file."""

from __future__ import annotations

import re

import pytest

from models.city import PROJECT_ROOT

PAGES = sorted((PROJECT_ROOT / "templates" / "console").glob("*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_no_inline_script_or_event_handler(path):
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text)
    assert not HANDLER.search(text)
    assert "javascript:" not in text.lower()
