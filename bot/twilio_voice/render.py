"""Replies → TwiML, with twilio's ``VoiceResponse``.

Everything spoken is rendered from templates (``reply.text(voice=True)``
prefers ``<name>.voice.txt``). Every ``<Say>`` and ``<Gather>`` carries
``language="ja-JP"``; the voice and its speed come from the settings
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
from handlers.contract import Reply
from handlers.text import render

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


@dataclass(frozen=True)
class Voice:
    name: str
    rate: str

    def say(self, parent, text: str) -> None:
        text = " ".join(for_speech(text).split())[:MAX_SAY]
        if not text:
            return
        say = Say(voice=self.name, language=LANGUAGE)
        if self.rate and self.rate != "100%" and self.name.startswith(("Polly.", "Google.")):
            say.prosody(text, rate=self.rate)
        else:
            say.value = text
        parent.append(say)


def spoken(replies: list[Reply]) -> list[str]:
    return [t for t in (r.text(voice=True) for r in replies) if t]


def menu_prompt(pad: Keypad) -> list[str]:
    """The numbered items and how to answer, as sentences."""
    texts = list(pad.cards)
    if pad.items:
        texts.append(render("voice/choices", items=[(k, label) for k, label, *_ in pad.items]))
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


def gather_twiml(voice: Voice, texts: list[str], pad: Keypad, action: str) -> str:
    """Say ``texts`` inside a Gather that answers to ``action``."""
    response = VoiceResponse()
    options = {
        "input": "dtmf speech" if pad.speech else "dtmf",
        "language": LANGUAGE,
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


def dial_twiml(voice: Voice, texts: list[str], numbers: list[str], action: str) -> str:
    response = VoiceResponse()
    for text in texts:
        voice.say(response, text)
    voice.say(response, render("voice/dial"))
    dial = response.dial(timeout=DIAL_TIMEOUT, action=action, method="POST", answer_on_bridge=True)
    for number in numbers:
        dial.number(number)
    return str(response)


def record_twiml(voice: Voice, texts: list[str], action: str, status_callback: str) -> str:
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


def goodbye_twiml(voice: Voice, texts: list[str]) -> str:
    response = VoiceResponse()
    for text in texts:
        voice.say(response, text)
    response.hangup()
    return str(response)


def empty_twiml() -> str:
    return str(VoiceResponse())


__all__ = ["PICKERS", "Voice", "dial_twiml", "gather_twiml", "goodbye_twiml", "menu_prompt"]
