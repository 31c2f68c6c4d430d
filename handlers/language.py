"""Choosing the language a resident is served in (issue 17).

Three ways in, one rule: nothing changes until the resident picks a language.
- A new LINE friend whose LINE app is set to a language we serve (the profile
  API's ``language``) is offered it once, in that language, beside 日本語.
- 「Language / 言語」 in the main menu lists every language by its own name.
- Typing a language's name (handlers/data/language_words.yaml) switches at once.
The choice is kept on the resident (``residents.language``); every later
message, notice and SMS is rendered in it (handlers/text.py).
"""

from __future__ import annotations

from functools import lru_cache

import yaml

from handlers.contract import Choice, Reply
from handlers.flows import engine
from handlers.menu import main_menu
from handlers.text import use_locale
from handlers.turn import Turn
from handlers.words import DATA, normalize
from models.locales import DEFAULT, LOCALES, NATIVE_NAMES, from_language_tag

PREFIX = "lang:"
MENU_VALUE = "menu:language"


@lru_cache(maxsize=1)
def _words() -> dict[str, str]:
    with open(DATA / "language_words.yaml", encoding="utf-8") as fh:
        table = yaml.safe_load(fh)
    return {normalize(w): locale for locale, words in table.items() for w in words}


def named_locale(text: str | None) -> str | None:
    """The locale a short text names ("English", "한국어", "tieng viet"), if any."""
    if not text or len(text) > 30:
        return None
    return _words().get(normalize(text))


def choices() -> list[Choice]:
    """Every language, each labelled in itself (a resident recognises their own)."""
    return [Choice(NATIVE_NAMES[locale], PREFIX + locale) for locale in LOCALES]


def ask(turn: Turn) -> None:
    turn.add(Reply("language/choose", choices=choices()))


def switch(turn: Turn, locale: str) -> None:
    """Serve the resident in ``locale`` from this message on; a flow in progress
    asks its question again in the new language, otherwise the menu follows."""
    if locale not in LOCALES:
        ask(turn)
        return
    turn.resident.language = locale
    turn.staff_notes.append(f"言語を {NATIVE_NAMES[locale]} に変更")
    with use_locale(locale):
        if turn.conversation.flow and engine.current(turn) is not None:
            turn.add(Reply("language/changed"))
            engine.ask_again(turn)
        else:
            turn.add(main_menu("language/changed"))


def handle(turn: Turn, value: str | None) -> bool:
    """A language button, the menu item, or a language's name typed: handled here."""
    if value == MENU_VALUE:
        ask(turn)
        return True
    if value and value.startswith(PREFIX):
        switch(turn, value[len(PREFIX):])
        return True
    if value is None and turn.inbound.kind == "text" and not turn.voice:
        locale = named_locale(turn.inbound.text)
        if locale is not None:
            switch(turn, locale)
            return True
    return False


def offer_from_profile(turn: Turn) -> None:
    """At a LINE follow: propose the profile's language once, in that language."""
    if turn.resident.language is not None:
        return
    locale = from_language_tag((turn.inbound.params or {}).get("profile_language"))
    if locale is None or locale == DEFAULT:
        return
    with use_locale(locale):
        turn.add(Reply(
            "language/offer",
            {"name": NATIVE_NAMES[locale]},
            choices=[Choice(NATIVE_NAMES[locale], PREFIX + locale),
                     Choice(NATIVE_NAMES[DEFAULT], PREFIX + DEFAULT)],
        ))  # fmt: skip
