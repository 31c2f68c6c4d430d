"""What is special about the phone line, kept out of the adapters.

* ``phone_main_menu``: the keypad layout of the main menu (1 venue, 2 visit
  callback, 3 questions, 4 defect notice, 5 bookings when that flow exists;
  0 is "a person" on every menu). The renderer reads it whenever a reply
  carries the main menu's choices.
* The two phone-first flows (``handlers.flows.defect``,
  ``handlers.flows.phone_visit``) register themselves, and their menu values
  are added to ``menu.MENU_FLOWS`` here, so that ``dispatch`` routes them like
  any other menu item. (Their modules are also worth adding to
  ``handlers.flows.registry.FLOW_MODULES``; importing this module is enough.)
* ``spoken_digits`` / ``domestic``: phone numbers read back digit by digit.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import yaml

from handlers import menu
from handlers.contract import Choice
from handlers.flows import defect, engine, phone_visit  # noqa: F401 - registers the flows
from handlers.text import current_locale, env, label
from models.locales import DEFAULT as DEFAULT_LOCALE

DEFECT_VALUE = "menu:defect"
PHONE_VISIT_VALUE = "menu:phone_visit"
menu.MENU_FLOWS.setdefault(DEFECT_VALUE, defect.FLOW)
menu.MENU_FLOWS.setdefault(PHONE_VISIT_VALUE, phone_visit.FLOW)

# Steps whose answer may be a number keyed in full (a phone number, a postal
# code): the phone waits for # instead of acting on the first key. Flows add
# their asking template here.
KEYED_INPUT = {
    "phone_visit/ask_number",
    "venue/ask_phone",
    "venue/ask_residence",
    "visit/ask_phone",
    "visit/ask_postal",
    "visit/ask_applicants",
    "notices/ask_area",
    "notices/ask_date",
}

PERSON_KEY, BACK_KEY, REPEAT_KEY = "0", "*", "9"
GLOBAL_KEYS = {PERSON_KEY: "g:person", BACK_KEY: "g:back", REPEAT_KEY: "g:repeat"}


@lru_cache(maxsize=1)
def _words() -> dict:
    with open(Path(__file__).parent / "data" / "phone_words.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def spoken_number(said: str) -> str | None:
    """The menu key a normalised utterance names (「にばん」 → "2"), if any."""
    from handlers.words import normalize

    for key, words in _words()["spoken_numbers"].items():
        if said == key or said in {normalize(w) for w in words}:
            return key
    return None


def sms_keyword(text: str) -> str | None:
    """ "stop", "start" or "help" when a whole SMS is one of those keywords."""
    from handlers.words import normalize

    said = normalize(text)
    for keyword, words in _words()["sms_keywords"].items():
        if said in {normalize(w) for w in words}:
            return keyword
    return None


@cache
def _labels(locale: str):
    return env(locale).get_template("voice/labels.txt").module


def voice_label(name: str) -> str:
    """A phone-only label (macro in voice/labels.txt, in the current locale)."""
    module = _labels(current_locale())
    if not hasattr(module, name):
        module = _labels(DEFAULT_LOCALE)
    return str(getattr(module, name)()).strip()


def main_menu_values() -> frozenset[str]:
    return frozenset(c.value for c in menu.main_menu_choices())


VOICE_LANGUAGES_VALUE = "menu:voice_languages"
# Keys after the menu's own items (issue 17): on a call 7 switches between
# Japanese and English and 8 plays the Korean / Chinese / Vietnamese message;
# by SMS 7 lists every language.
LANGUAGE_KEY, OTHER_LANGUAGES_KEY = "7", "8"


def language_keys(voice: bool) -> list[tuple[str, Choice]]:
    from models.locales import NATIVE_NAMES

    if not voice:
        return [(LANGUAGE_KEY, Choice(label("language"), "menu:language"))]
    other = "en" if current_locale() != "en" else DEFAULT_LOCALE
    return [
        (LANGUAGE_KEY, Choice(NATIVE_NAMES[other], f"lang:{other}")),
        (OTHER_LANGUAGES_KEY, Choice(label("language_list", names=[NATIVE_NAMES[c] for c in
                                                                   ("ko", "zh_Hans", "vi")]),
                                     VOICE_LANGUAGES_VALUE)),
    ]


def is_language_key(value: str) -> bool:
    """Items spoken in their own language (voice/language_hint, voice/other_language),
    not in the Japanese list of keys."""
    return value.startswith("lang:") or value == VOICE_LANGUAGES_VALUE


def phone_main_menu(voice: bool = True) -> list[tuple[str, Choice]]:
    """(key, choice) pairs of the main menu as read on the phone (or numbered by SMS)."""
    items = [
        ("1", Choice(label("venue"), "menu:venue")),
        ("2", Choice(voice_label("visit_callback"), PHONE_VISIT_VALUE)),
        ("3", Choice(label("faq"), "menu:faq")),
        ("4", Choice(voice_label("defect"), DEFECT_VALUE)),
    ]
    if "bookings" in engine.FLOWS:
        items.append(("5", Choice(label("bookings"), "menu:bookings")))
    if "notices" in engine.FLOWS:  # notice settings and 配信停止 (issue 14)
        items.append(("6", Choice(label("notices"), "menu:notices")))
    return items + language_keys(voice)


def digits_only(text: str | None) -> str:
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(c for c in folded if c.isdigit())


def domestic(phone: str | None) -> str:
    """+81 83 231 1111 → 0832311111 (other numbers: their digits)."""
    if not phone:
        return ""
    if phone.startswith("+81"):
        return "0" + digits_only(phone[3:])
    return digits_only(phone)


def spoken_digits(number: str) -> list[str]:
    """Digits one by one, for templates to join with 、 so TTS reads them singly."""
    return list(digits_only(number))


def confirm_by_sms(turn, reply, *, source: str = "booking_confirmation") -> bool:
    """Queue ``reply`` as an SMS for a caller on the phone line (e.g. the booking code).

    Call it where a flow confirms something a caller must keep (venue flow:
    after ``bookings.book`` succeeds, with the ``venue/booked`` reply). It goes
    through ``handlers.notify.notify``, so a resident who also has LINE gets
    it there; otherwise ``sms_notify`` texts their phone. False when the
    resident is not on the phone line or has no number.
    """
    from handlers.notify import notify

    if turn.inbound.channel != "voice" or not turn.resident.phone:
        return False
    if not turn.resident.phone.startswith("+"):
        return False  # a withheld number cannot be texted
    notify(turn.session, turn.resident.id, [reply], source=source)
    return True
