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
from handlers.text import render, use_locale
from handlers.turn import Turn
from handlers.words import DATA, normalize
from models.locales import DEFAULT, LOCALES, NATIVE_NAMES, from_language_tag

PREFIX = "lang:"
NOTE = "transcript/language"  # staff-only lines in the transcript
MENU_VALUE = "menu:language"
PHONE_MENU_VALUE = "menu:voice_languages"  # handlers/phone.py: key 8 on a call


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
    turn.staff_notes.append(render(NOTE, what="changed", name=NATIVE_NAMES[locale]))
    with use_locale(locale):
        if turn.conversation.flow and engine.current(turn) is not None:
            turn.add(Reply("language/changed"))
            engine.ask_again(turn)
        else:
            turn.add(main_menu("language/changed"))


SMS_PREFIX = "lang:sms:"
# Heard on the phone's key 8 (handlers/phone.py), one message each, in this order.
PHONE_MESSAGE_LOCALES = ("ko", "zh_Hans", "vi")


def phone_other_languages(turn: Turn) -> None:
    """Korean, Chinese and Vietnamese callers: a short message in each language
    (LINE serves them in full), a key for an SMS with the LINE link, 0 for a person
    or a voicemail."""
    turn.staff_notes.append(render(NOTE, what="phone_played", name=""))
    for key, locale in enumerate(PHONE_MESSAGE_LOCALES, 1):
        with use_locale(locale):
            turn.add(Reply("voice/other_language", {"key": str(key)}))
    turn.replies[-1].choices = [
        Choice(NATIVE_NAMES[locale], SMS_PREFIX + locale) for locale in PHONE_MESSAGE_LOCALES
    ]


def _line_link() -> str:
    from flask import current_app, has_app_context

    from handlers.public_events import add_friend_url

    basic_id = current_app.extensions.get("line_basic_id") if has_app_context() else None
    return add_friend_url(basic_id if isinstance(basic_id, str) else None)


def send_line_link(turn: Turn, locale: str) -> None:
    """The caller picked their language: it is kept (staff see it, SMS follow it)
    and the LINE link goes out by SMS in it."""
    from handlers.notify import notify

    turn.resident.language = locale
    turn.staff_notes.append(render(NOTE, what="line_link", name=NATIVE_NAMES[locale]))
    if turn.resident.phone and turn.resident.phone.startswith("+"):
        with use_locale(locale):
            notify(turn.session, turn.resident.id, [Reply("sms/line_link", {"url": _line_link()})],
                   source="line_link")  # fmt: skip
    with use_locale(locale):
        turn.add(Reply("voice/line_link_sent"))


def handle(turn: Turn, value: str | None) -> bool:
    """A language button, the menu item, or a language's name typed: handled here."""
    if value == MENU_VALUE:
        ask(turn)
        return True
    if value == PHONE_MENU_VALUE:
        phone_other_languages(turn)
        return True
    if value and value.startswith(SMS_PREFIX):
        locale = value[len(SMS_PREFIX):]
        if locale in PHONE_MESSAGE_LOCALES:
            send_line_link(turn, locale)
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


def offer(turn: Turn, locale: str) -> None:
    """Propose ``locale`` (in it) beside Japanese; nothing changes until tapped."""
    if locale == DEFAULT or locale not in LOCALES or turn.resident.language == locale:
        return
    with use_locale(locale):
        turn.add(Reply(
            "language/offer",
            {"name": NATIVE_NAMES[locale]},
            choices=[Choice(NATIVE_NAMES[locale], PREFIX + locale),
                     Choice(NATIVE_NAMES[DEFAULT], PREFIX + DEFAULT)],
        ))  # fmt: skip


def offer_from_profile(turn: Turn) -> None:
    """At a LINE follow: propose the profile's language once, in that language."""
    if turn.resident.language is not None:
        return
    locale = from_language_tag((turn.inbound.params or {}).get("profile_language"))
    if locale is not None:
        offer(turn, locale)
