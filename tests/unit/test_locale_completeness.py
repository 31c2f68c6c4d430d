"""Every language has every resident-facing key, the same macros, and fits LINE (issue 17).

Keys: every templates/messages/**.txt that staff alone read (``text.staff_only``)
is excluded; ``*.voice.txt`` is needed only in the phone's languages.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from jinja2 import Environment, FileSystemLoader, nodes

from handlers import text
from models import locales

FOREIGN = [loc for loc in locales.LOCALES if loc != locales.DEFAULT]
MAX_LABEL = 20  # LINE quick-reply and postback labels
KANA = re.compile(r"[\u3040-\u30ff]")
JAPANESE_SENTENCE = re.compile(r"(ください|します|ません|でした|ですか|ました)")


def _files(root) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.txt")}


def _wanted(locale: str) -> set[str]:
    keys = {k for k in _files(text.TEMPLATE_DIR) if not text.staff_only(k)}
    if locale not in locales.VOICE_LOCALES:
        keys = {k for k in keys if not k.endswith(".voice.txt")}
    return keys


def _macros(path) -> dict[str, list[str]]:
    env = Environment(loader=FileSystemLoader(str(path.parent)))
    tree = env.parse(path.read_text(encoding="utf-8"))
    return {m.name: [a.name for a in m.args] for m in tree.find_all(nodes.Macro)}


@pytest.mark.parametrize("locale", FOREIGN)
def test_every_key_is_in_every_language_and_no_language_has_one_japanese_lacks(locale):
    have = _files(text.LOCALE_DIR / locale)
    wanted = _wanted(locale)
    assert sorted(wanted - have) == [], f"{locale} lacks these keys"
    assert sorted(have - wanted) == [], f"{locale} has keys Japanese lacks (or staff-only/voice)"


@pytest.mark.parametrize("locale", FOREIGN)
def test_macro_files_define_the_same_macros_with_the_same_parameters(locale):
    for key in sorted(_wanted(locale)):
        source = text.TEMPLATE_DIR / key
        if "{% macro" not in source.read_text(encoding="utf-8"):
            continue
        translated = text.LOCALE_DIR / locale / key
        assert _macros(translated) == _macros(source), f"{locale}/{key}"


SAMPLE = {
    "w": SimpleNamespace(month=12, day=10, wd=3, start="10:00", end="12:00", year=2026,
                         hour=10, minute=0),  # fmt: skip
    "area": "彦島",
    "left": 12,
    "n": 10,
    "title": "マイナンバーカードの受け取りと交付通知書について",
}


@pytest.mark.parametrize("locale", locales.LOCALES)
def test_every_button_label_fits_line_in_every_language(locale):
    module = text.env(locale).get_template("labels.txt").module
    source = text.LOCALE_DIR / locale / "labels.txt" if locale != "ja" else (
        text.TEMPLATE_DIR / "labels.txt")  # fmt: skip
    for name, args in _macros(source).items():
        rendered = str(getattr(module, name)(*[SAMPLE.get(a, "X") for a in args])).strip()
        parts = rendered.split("|") if name.startswith("rm_") else [rendered]
        for part in parts:
            assert 0 < len(part) <= MAX_LABEL, (locale, name, part)


@pytest.mark.parametrize("locale", locales.LOCALES)
def test_weekday_names_are_seven(locale):
    names = text.env(locale).get_template("_weekdays.txt").render().split()
    assert len(names) == 7 or (len(names) == 1 and len(names[0]) == 7), (locale, names)


def test_english_phone_wording_is_english():
    """An English voice cannot read kana: the English voice files have none."""
    root = text.LOCALE_DIR / "en"
    for key in sorted(k for k in _files(root) if k.endswith(".voice.txt")):
        source = (root / key).read_text(encoding="utf-8")
        assert not KANA.search(source), key


@pytest.mark.parametrize("locale", ["en", "ko", "zh_Hans", "vi"])
def test_foreign_templates_hold_no_japanese_sentences(locale):
    """Japanese names in brackets are allowed (交付通知書), Japanese sentences are not."""
    root = text.LOCALE_DIR / locale
    bad = [k for k in sorted(_files(root))
           if JAPANESE_SENTENCE.search((root / k).read_text(encoding="utf-8"))]  # fmt: skip
    assert bad == []


@pytest.mark.parametrize("locale", FOREIGN)
def test_the_city_texts_residents_read_are_translated(locale):
    from models.city import TRANSLATED_FIELDS, city

    over = city()["translations"][locale]
    for path in TRANSLATED_FIELDS:
        if locale == "ja_easy" and path == "name":
            continue  # 下関市 stays as it is written
        value = over
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        assert isinstance(value, str) and value.strip(), (locale, path)
    rendered = text.env(locale).from_string("{{ city.pickup.place }}").render()
    assert rendered == over["pickup"]["place"]
