"""Replies → TwiML, with twilio's ``VoiceResponse``.

Everything spoken is rendered from templates (``reply.text(voice=True)``
prefers ``<name>.voice.txt``). Every ``<Say>`` and ``<Gather>`` carries
the language of the text (``ja-JP``, or ``en-US`` for an English call,
issue 17); the Japanese voice and its speed come from the settings
(``TWILIO_VOICE``, ``TWILIO_VOICE_RATE``; SSML ``<prosody rate>`` is used
only with Polly/Google voices, which support it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from twilio.twiml.voice_response import Gather, Record, Say, VoiceResponse

from bot.twilio_voice.keypad import PICKERS, Keypad
from handlers import phone
from handlers.contract import Reply
from handlers.text import current_locale, render

LANGUAGE = "ja-JP"
GATHER_TIMEOUT = 6  # seconds of silence before Twilio gives up on keys
MAX_SAY = 3000  # characters per <Say>; Twilio's limit is 4,096
MAX_HINTS = 50
RECORD_MAX_SECONDS = 120
DIAL_TIMEOUT = 20


# A safety net under the .voice.txt variants: marks that read badly aloud
# (bullets, arrows) become pauses (data/speech_marks.yaml); URLs are dropped
# (they cannot be heard).
_URL = re.compile(r"https?://\S+")
SPEECH_MARKS = Path(__file__).parent / "data" / "speech_marks.yaml"


@lru_cache(maxsize=1)
def _pauses() -> dict[int, str]:
    with open(SPEECH_MARKS, encoding="utf-8") as fh:
        return str.maketrans(yaml.safe_load(fh)["pauses"])


def for_speech(text: str) -> str:
    return _URL.sub("", text).translate(_pauses())


# Each language the phone speaks (issue 17): Twilio's language code and voice.
# Japanese keeps the configured voice (TWILIO_VOICE); English is the second
# phone language; Korean, Chinese and Vietnamese are heard only in the short
# message of key 8 (handlers/language.py).
SPEECH_LANGUAGES: dict[str, tuple[str, str | None]] = {
    "ja": (LANGUAGE, None),
    "ja_easy": (LANGUAGE, None),
    "en": ("en-US", "Polly.Joanna"),
    "ko": ("ko-KR", "Polly.Seoyeon"),
    "zh_Hans": ("cmn-CN", "Polly.Zhiyu"),
    "vi": ("vi-VN", "Google.vi-VN-Standard-A"),
}
# A text to say: plain (the call's language) or with its own locale.
Said = str | tuple[str, str]


def language_code(locale: str) -> str:
    return SPEECH_LANGUAGES.get(locale, SPEECH_LANGUAGES["ja"])[0]


@dataclass(frozen=True)
class Voice:
    name: str
    rate: str

    def say(self, parent, said: Said) -> None:
        text, locale = said if isinstance(said, tuple) else (said, current_locale())
        text = " ".join(for_speech(text).split())[:MAX_SAY]
        if not text:
            return
        language, own_voice = SPEECH_LANGUAGES.get(locale, SPEECH_LANGUAGES["ja"])
        name = own_voice or self.name
        say = Say(voice=name, language=language)
        if self.rate and self.rate != "100%" and name.startswith(("Polly.", "Google.")):
            say.prosody(text, rate=self.rate)
        else:
            say.value = text
        parent.append(say)


def spoken(replies: list[Reply]) -> list[Said]:
    """Each reply's spoken text, in the language it was made in."""
    return [(t, r.locale) for r in replies if (t := r.text(voice=True))]


def menu_prompt(pad: Keypad) -> list[Said]:
    """The numbered items and how to answer, as sentences."""
    texts: list[Said] = list(pad.cards)
    listed = [(k, label) for k, label, value, *_ in pad.items if not phone.is_language_key(value)]
    if listed:
        texts.append(render("voice/choices", items=listed))
    for key, _label, value, *_ in pad.items:
        # "For English, press 7", each in its own language and voice (issue 17).
        if value.startswith("lang:") and value[5:] in SPEECH_LANGUAGES:
            locale = value[5:]
            texts.append((render("voice/language_hint", locale=locale, key=key), locale))
        elif value == phone.VOICE_LANGUAGES_VALUE:
            for locale in ("ko", "zh_Hans", "vi"):
                texts.append((render("voice/language_hint", locale=locale, key=key), locale))
    if pad.picker:
        kind = "date" if pad.picker["kind"] in ("date", "datetime") else "time"
        texts.append(render("voice/digits_prompt", kind=kind))
    elif pad.keyed or (not pad.items and not pad.speech):
        texts.append(render("voice/digits_prompt", kind="number"))
    if pad.items or pad.picker:
        texts.append(
            render(
                "voice/keys",
                speech=pad.speech,
                keyed=pad.keyed,
                more=len(pad.pages) > 1,
                back=pad.back,
            )
        )
    elif pad.speech:
        texts.append(render("voice/speech_prompt"))
    return texts


def gather_twiml(voice: Voice, texts: list[Said], pad: Keypad, action: str) -> str:
    """Say ``texts`` inside a Gather that answers to ``action``."""
    response = VoiceResponse()
    options = {
        "input": "dtmf speech" if pad.speech else "dtmf",
        "language": language_code(current_locale()),
        "action": action,
        "method": "POST",
        "timeout": GATHER_TIMEOUT,
        "action_on_empty_result": True,
    }
    if pad.single_key:
        options["num_digits"] = 1
    else:
        options["finish_on_key"] = "#"
    if pad.picker:
        options["timeout"] = GATHER_TIMEOUT + 2
    if pad.speech:
        options["speech_timeout"] = "auto"
        hints = [label for _k, label, *_ in pad.items][:MAX_HINTS]
        if hints:
            options["hints"] = ",".join(h.replace(",", " ") for h in hints)
    gather = Gather(**options)
    for text in texts:
        voice.say(gather, text)
    response.append(gather)
    return str(response)


def dial_twiml(voice: Voice, texts: list[Said], numbers: list[str], action: str) -> str:
    response = VoiceResponse()
    for text in texts:
        voice.say(response, text)
    voice.say(response, render("voice/dial"))
    dial = response.dial(timeout=DIAL_TIMEOUT, action=action, method="POST", answer_on_bridge=True)
    for number in numbers:
        dial.number(number)
    return str(response)


def record_twiml(voice: Voice, texts: list[Said], action: str, status_callback: str) -> str:
    """Voicemail: say it is recorded, beep, record; audio stays at Twilio."""
    response = VoiceResponse()
    for text in texts:
        voice.say(response, text)
    response.append(
        Record(
            action=action,
            method="POST",
            max_length=RECORD_MAX_SECONDS,
            timeout=8,
            finish_on_key="#",
            play_beep=True,
            transcribe=False,  # privacy: no third-party transcript of the message
            recording_status_callback=status_callback,
            recording_status_callback_method="POST",
            recording_status_callback_event="completed",
        )
    )
    return str(response)


def goodbye_twiml(voice: Voice, texts: list[Said]) -> str:
    response = VoiceResponse()
    for text in texts:
        voice.say(response, text)
    response.hangup()
    return str(response)


def empty_twiml() -> str:
    return str(VoiceResponse())


__all__ = ["PICKERS", "Voice", "dial_twiml", "gather_twiml", "goodbye_twiml", "menu_prompt"]
