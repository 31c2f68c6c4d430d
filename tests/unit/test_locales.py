"""The language machinery (issue 17): one key set per locale, chosen per turn."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import text
from handlers.contract import Reply
from models import locales


@pytest.fixture
def fake_locale(tmp_path, monkeypatch):
    """A throw-away locale directory 'en' holding two keys of its own."""
    root = tmp_path / "locales"
    (root / "en" / "menu").mkdir(parents=True)
    (root / "en" / "menu" / "stopped.txt").write_text("Stopped. {{ 1 + 1 }}", encoding="utf-8")
    (root / "en" / "_weekdays.txt").write_text("Mon Tue Wed Thu Fri Sat Sun", encoding="utf-8")
    monkeypatch.setattr(text, "LOCALE_DIR", root)
    text.env.cache_clear()
    text._own_keys.cache_clear()
    yield root
    text.env.cache_clear()
    text._own_keys.cache_clear()


def test_tags_from_line_profiles_map_to_locales():
    assert locales.from_language_tag("en") == "en"
    assert locales.from_language_tag("en-US") == "en"
    assert locales.from_language_tag("zh-Hant") == "zh_Hans"
    assert locales.from_language_tag("ko") == "ko"
    assert locales.from_language_tag("vi") == "vi"
    assert locales.from_language_tag("ja") == "ja"
    assert locales.from_language_tag("th") is None
    assert locales.from_language_tag(None) is None
    assert locales.normalise("xx") == "ja" and locales.normalise("vi") == "vi"


def test_a_locale_renders_its_own_key_and_falls_back_for_a_missing_one(fake_locale):
    japanese = text.render("menu/stopped", was_in_flow=False)
    with text.use_locale("en"):
        assert text.render("menu/stopped") == "Stopped. 2"
        # No English file for this key: Japanese, never an error.
        assert text.render("menu/expired", minutes=30) == text.render("menu/expired", locale="ja", minutes=30)
    assert text.render("menu/stopped", was_in_flow=False) == japanese  # the block ended


def test_the_weekday_filter_speaks_the_locale(fake_locale):
    thursday = date(2026, 12, 10)
    template = "{{ d|weekday }}"
    assert text.env("ja").from_string(template).render(d=thursday) == "木"
    assert text.env("en").from_string(template).render(d=thursday) == "Thu"


def test_a_reply_keeps_the_language_it_was_made_in(fake_locale):
    with text.use_locale("en"):
        reply = Reply("menu/stopped")
    # Rendered later (adapter, outbox) outside the turn: still English.
    assert reply.text() == "Stopped. 2"
    again = Reply.from_dict(reply.to_dict())
    assert again.locale == "en" and again.text() == "Stopped. 2"


def test_unknown_locales_are_japanese():
    with text.use_locale("klingon") as chosen:
        assert chosen == "ja"
        assert text.current_locale() == "ja"


def test_staff_only_keys():
    assert text.staff_only("transcript/tap.txt")
    assert text.staff_only("_console_when.txt")
    assert not text.staff_only("menu/main.txt")
