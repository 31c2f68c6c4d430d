"""Japanese phone numbers as people type them: one parser for flows, API and console.

``090-1234-5678``, ``０８３（２３１）１１１１`` and ``+81 90 1234 5678`` are
the same kinds of number; letters or a wrong number of digits are not a
number at all (no silent dropping of what is not a separator).
"""

from __future__ import annotations

import re
import unicodedata

from models.lookalikes import BRACKETS, DASHES, SPACES

_DROP = str.maketrans("", "", DASHES + SPACES + BRACKETS)
_DOMESTIC = re.compile(r"0[0-9]{9,10}")


def domestic(raw: str | None) -> str | None:
    """The number as domestic digits (10 or 11, leading 0), or None."""
    folded = unicodedata.normalize("NFKC", raw or "").strip().translate(_DROP)
    if folded.startswith("+81"):
        folded = "0" + folded[3:].removeprefix("0")
    return folded if _DOMESTIC.fullmatch(folded) else None


def e164(raw: str | None) -> str | None:
    """The number as E.164 (``+8190…``), or None."""
    digits = domestic(raw)
    return "+81" + digits[1:] if digits else None
