"""Whole numbers typed or sent by people and platforms: ASCII digits only, ids in range.

``str.isdigit()`` is true for '²' or '①', which ``int()`` then refuses, and
``int()`` accepts any length, which the database then refuses (ids are
32-bit). Every parser of a number from outside uses these instead.
"""

from __future__ import annotations

import re

INT32_MAX = 2**31 - 1
_DIGITS = re.compile(r"[0-9]+")


def ascii_digits(raw: object, max_len: int = 20) -> bool:
    """A non-empty string of ASCII digits 0-9, at most ``max_len`` long."""
    return isinstance(raw, str) and 0 < len(raw) <= max_len and _DIGITS.fullmatch(raw) is not None


def whole(raw: object, maximum: int = INT32_MAX) -> int | None:
    """The number ``raw`` spells in ASCII digits, when 0 <= n <= ``maximum``; else None."""
    if not ascii_digits(raw, len(str(maximum))):
        return None
    n = int(raw)  # type: ignore[arg-type]
    return n if n <= maximum else None


def record_id(raw: object) -> int | None:
    """A database id (1 .. 2**31-1) spelled in ASCII digits, else None."""
    n = whole(raw)
    return n if n else None
