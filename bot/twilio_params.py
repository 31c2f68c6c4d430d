"""Twilio's webhook parameters, checked at the edge (after the signature).

A signature proves Twilio sent a request; these shapes keep what it carries
from reaching the database in a form it refuses (NUL bytes, 11-digit ints)
or from breaking ``int()`` (Unicode digits such as '²' pass ``isdigit()``).
Each helper answers the clean value or a neutral one (None, ""), never raises.
"""

from __future__ import annotations

import re

from handlers.numbers import whole

SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}", re.IGNORECASE)  # CA…, SM…, MM…, RE…
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
RECORDING_URL = re.compile(r"https?://[\x21-\x7e]{1,490}")
MAX_SECONDS = 24 * 3600


def sid(raw: str | None) -> str | None:
    """A Twilio SID (two letters and 32 hex digits), else None."""
    return raw if raw and SID.fullmatch(raw) else None


def e164(raw: str | None) -> str | None:
    return raw if raw and E164.fullmatch(raw) else None


def seconds(raw: str | None) -> int | None:
    """A duration in whole seconds (ASCII digits, at most a day), else None."""
    return whole(raw, MAX_SECONDS)


def step(raw: str | None) -> int | None:
    """Our own ``?step=N`` (ASCII digits, below a million), else None."""
    return whole(raw, 999_999)


def recording_url(raw: str | None) -> str | None:
    return raw if raw and RECORDING_URL.fullmatch(raw) else None


def text(raw: str | None, limit: int) -> str:
    """Free text (an SMS body, speech): at most ``limit`` characters, NUL removed."""
    return (raw or "")[:limit].replace("\x00", "")
