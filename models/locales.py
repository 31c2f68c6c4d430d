"""The languages residents are served in (issue 17), and how one is recognised.

A locale is a directory of message templates (``templates/locales/<locale>/``,
Japanese in ``templates/messages/``). This module only names them; the texts
live in the templates, never in code.
"""

from __future__ import annotations

DEFAULT = "ja"
# Standard Japanese, easy Japanese (やさしい日本語), English, Korean, Simplified Chinese, Vietnamese.
LOCALES: tuple[str, ...] = ("ja", "ja_easy", "en", "ko", "zh_Hans", "vi")
# The phone speaks these (Twilio <Say>); the others get a recorded-style message.
VOICE_LOCALES: tuple[str, ...] = ("ja", "en")
# Each language's own name for itself: what a resident recognises in a list
# (and may type to switch). Proper names, the same in every locale.
NATIVE_NAMES: dict[str, str] = {
    "ja": "日本語",
    "ja_easy": "やさしい にほんご",
    "en": "English",
    "ko": "한국어",
    "zh_Hans": "中文",
    "vi": "Tiếng Việt",
}
# BCP 47 tags as they appear in the LINE profile (``language``), Twilio and browsers.
_TAG_PREFIXES: tuple[tuple[str, str], ...] = (
    ("ja", "ja"),
    ("en", "en"),
    ("ko", "ko"),
    ("zh", "zh_Hans"),  # zh-Hant readers are offered Simplified Chinese, the nearest we have
    ("vi", "vi"),
)


def normalise(value: str | None) -> str:
    """A known locale, or the default for anything else (None, '', unknown)."""
    return value if value in LOCALES else DEFAULT


def from_language_tag(tag: str | None) -> str | None:
    """The locale for a BCP 47 tag such as LINE's profile ``language`` ('en', 'zh-Hant'), or None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    for prefix, locale in _TAG_PREFIXES:
        if primary == prefix:
            return locale
    return None


def for_channel(language: str | None, channel: str) -> str:
    """The locale to speak or write in: on the phone only a voice locale (a caller
    whose chosen language has no phone wording hears Japanese; key 7/8 offer
    theirs), elsewhere the resident's language."""
    locale = normalise(language)
    if channel == "voice" and locale not in VOICE_LOCALES:
        return DEFAULT
    return locale
