"""Resident- and staff-facing text: every sentence is a Jinja2 template.

``render("menu/main")`` renders ``templates/messages/menu/main.txt``; on the
phone (``voice=True``) a ``menu/main.voice.txt`` is preferred when it exists.
Short button labels are macros in ``templates/messages/labels.txt``:
``label("venue")``.

Languages (issue 17): the same keys live in ``templates/locales/<locale>/``.
The locale is a context variable set once per inbound event or notice
(``use_locale(resident.language)``); ``render`` and ``label`` read it, so no
handler passes a language around. A key missing in a locale falls back to
Japanese (a test fails on any such gap); staff-only keys (``STAFF_ONLY``) are
Japanese by design.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from models import locales, references
from models.city import PROJECT_ROOT, city_in

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "messages"
LOCALE_DIR = PROJECT_ROOT / "templates" / "locales"
# Keys read by staff or the city only: written in Japanese, in no other locale.
STAFF_ONLY: tuple[str, ...] = (
    "_console_when.txt",
    "city/",
    "transcript/",
    "public/",
    "defect/summary.txt",
    "defect/report_note.txt",
    "defect/escalation_summary.txt",
    "phone_visit/summary.txt",
    "voice/summary/",
    "bookings/export_summary.txt",
    "bookings/export_description.txt",
    "bookings/api_error.txt",
)

_locale: ContextVar[str] = ContextVar("message_locale", default=locales.DEFAULT)


def current_locale() -> str:
    return _locale.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Render in ``locale`` (unknown or None: Japanese) inside the block."""
    token = _locale.set(locales.normalise(locale))
    try:
        yield _locale.get()
    finally:
        _locale.reset(token)


def staff_only(key: str) -> bool:
    """Whether a template file (relative to templates/messages) stays Japanese."""
    return any(key == p or (p.endswith("/") and key.startswith(p)) for p in STAFF_ONLY)


@cache
def _own_keys(locale: str) -> frozenset[str]:
    """Template files a locale has itself (not by falling back to Japanese)."""
    root = TEMPLATE_DIR if locale == locales.DEFAULT else LOCALE_DIR / locale
    if not root.is_dir():
        return frozenset()
    return frozenset(
        p.relative_to(root).as_posix() for p in root.rglob("*.txt") if p.is_file()
    )


@cache
def env(locale: str = locales.DEFAULT) -> Environment:
    """One Jinja2 environment per locale: its own directory first, then Japanese."""
    dirs = [str(TEMPLATE_DIR)]
    if locale != locales.DEFAULT:
        dirs.insert(0, str(LOCALE_DIR / locale))
    e = Environment(
        loader=FileSystemLoader(dirs),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        # Templates ship with the code: no stat() on every render.
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.globals["city"] = city_in(locale)  # its texts in this language (city.yaml translations)
    e.globals["locale"] = locale

    def weekday(value: Any) -> str:
        """The weekday's short name in this locale (``_weekdays.txt``: Monday first;
        space-separated names, or one character each as in Japanese)."""
        names = e.get_template("_weekdays.txt").render().split()
        if len(names) == 1:
            names = list(names[0])
        return names[value.weekday()]

    e.filters["weekday"] = weekday
    # Case references (issue 19): written and read out the same everywhere.
    e.globals["ref"] = references.reference
    e.globals["ref_spoken"] = functools.partial(references.spoken, locale=locale)
    return e


def _source(name: str, voice: bool, locale: str) -> tuple[str, str]:
    """(locale, file) to render: the locale's own voice text, its own text, then
    Japanese voice, Japanese text. A locale without a voice file for a key never
    borrows the Japanese voice wording over its own written text."""
    own = _own_keys(locale)
    candidates = [f"{name}.voice.txt", f"{name}.txt"] if voice else [f"{name}.txt"]
    if locale != locales.DEFAULT:
        for file in candidates:
            if file in own:
                return locale, file
    for file in candidates:
        if file in _own_keys(locales.DEFAULT):
            return locales.DEFAULT, file
    return locale, candidates[-1]  # let Jinja2 raise TemplateNotFound with the name


_RENDERED_MAX = 4096  # texts kept per locale (see ``render``)


def render(name: str, /, *, voice: bool = False, locale: str | None = None, **context: Any) -> str:
    """Render a message template to plain text (trailing space trimmed), in
    ``locale`` or the current one.

    A text is a pure function of the template, the locale and the context (the
    environment's globals are fixed when it is built), so texts rendered from a
    hashable context are kept: most answers (FAQ topics, menus) are the same few
    texts, rendered again for every resident otherwise (issue 16). Kept on the
    locale's environment, so they go with it.
    """
    locale = locale or current_locale()
    key = _key(name, voice, context)
    kept = _rendered(locale) if key is not None else None
    text = kept.get(key) if kept is not None else None
    if text is None:
        where, file = _source(name, voice, locale)
        text = env(where).get_template(file).render(**context).strip()
        if kept is not None:
            if len(kept) >= _RENDERED_MAX:
                kept.clear()
            kept[key] = text
    return text


_PLAIN = (str, int, float, bool, type(None), date, datetime, Decimal)


def _plain(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return isinstance(value, _PLAIN)


def _key(name: str, voice: bool, context: dict[str, Any]) -> tuple | None:
    """The key of a text, when its context holds only plain immutable values
    (an ORM object or a list could change between two renders: not kept)."""
    if not all(_plain(v) for v in context.values()):
        return None
    return (name, voice, *((k, v.__class__, v) for k, v in context.items()))


_kept: dict[str, tuple[Environment, dict]] = {}


def _rendered(locale: str) -> dict:
    """The texts kept for ``locale``; they go when its environment is rebuilt."""
    environment = env(locale)
    entry = _kept.get(locale)
    if entry is None or entry[0] is not environment:
        entry = _kept[locale] = (environment, {})
    return entry[1]


def exists(name: str) -> bool:
    try:
        env().get_template(f"{name}.txt")
    except TemplateNotFound:
        return False
    return True


def label(name: str, /, *, locale: str | None = None, **context: Any) -> str:
    """A short button label defined as a macro in labels.txt (current locale)."""
    where = locale or current_locale()
    if "labels.txt" not in _own_keys(where):
        where = locales.DEFAULT
    module = env(where).get_template("labels.txt").module
    if not hasattr(module, name):  # a label not yet translated: Japanese
        module = env(locales.DEFAULT).get_template("labels.txt").module
    return str(getattr(module, name)(**context)).strip()


@cache
def _plain_labels(locale: str) -> dict[str, str]:
    """Labels without parameters, by macro name, as rendered in ``locale``."""
    module = env(locale).get_template("labels.txt").module
    found = {}
    for name in dir(module):
        macro = getattr(module, name)
        if not name.startswith("_") and callable(macro) and not getattr(macro, "arguments", ()):
            found[name] = str(macro()).strip()
    return found


def relabel(text: str, locale: str) -> str:
    """A Japanese button label (a parameterless macro of labels.txt) in ``locale``;
    any other text unchanged. For notices built outside a turn, whose buttons were
    labelled before the recipient's language was known (handlers/notify.py)."""
    if locale == locales.DEFAULT:
        return text
    by_text = {v: k for k, v in _plain_labels(locales.DEFAULT).items()}
    name = by_text.get(text)
    if name is None:
        return text
    return label(name, locale=locale)
