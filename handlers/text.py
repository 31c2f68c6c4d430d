"""Resident- and staff-facing text: every sentence is a Jinja2 template.

``render("menu/main")`` renders ``templates/messages/menu/main.txt``; on the
phone (``voice=True``) a ``menu/main.voice.txt`` is preferred when it exists.
Short button labels are macros in ``templates/messages/labels.txt``:
``label("venue")``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from models import references
from models.city import PROJECT_ROOT, city

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "messages"


def _weekday(value: Any) -> str:
    """The one-character Japanese weekday (names live in _weekdays.txt)."""
    names = env().get_template("_weekdays.txt").render()
    return names[value.weekday()]


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        # Templates ship with the code: no stat() on every render.
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.globals["city"] = city()
    e.filters["weekday"] = _weekday
    # Case references (issue 19): written and read out the same everywhere.
    e.globals["ref"] = references.reference
    e.globals["ref_spoken"] = references.spoken
    return e


def render(name: str, /, *, voice: bool = False, **context: Any) -> str:
    """Render a message template to plain text (trailing space trimmed)."""
    e = env()
    if voice:
        try:
            return e.get_template(f"{name}.voice.txt").render(**context).strip()
        except TemplateNotFound:
            pass
    return e.get_template(f"{name}.txt").render(**context).strip()


def exists(name: str) -> bool:
    try:
        env().get_template(f"{name}.txt")
    except TemplateNotFound:
        return False
    return True


def label(name: str, /, **context: Any) -> str:
    """A short button label defined as a macro in labels.txt."""
    module = env().get_template("labels.txt").module
    return str(getattr(module, name)(**context)).strip()
