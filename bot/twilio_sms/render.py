"""Replies → one SMS text with numbered choices.

At most 670 characters: ten concatenated segments of 67 UCS-2 characters
(Japanese text is sent as UCS-2). Longer texts are cut with a note that
points to the phone number; carriers bill per segment, and many Japanese
handsets show long concatenations badly.
"""

from __future__ import annotations

from bot.twilio_voice.keypad import Keypad, build
from handlers.contract import Reply
from handlers.text import render

MAX_CHARS = 670


def to_sms(replies: list[Reply]) -> tuple[str, Keypad]:
    pad = build(replies, voice=False)
    parts = [t for t in (r.text() for r in replies) if t]
    parts += pad.cards
    if pad.items:
        parts.append(render("sms/choose", items=[(k, label) for k, label, *_ in pad.items]))
    return clip("\n\n".join(parts)), pad


def clip(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    note = render("sms/truncated")
    return text[: MAX_CHARS - len(note) - 2] + "…\n" + note
