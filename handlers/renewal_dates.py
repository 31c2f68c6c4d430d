"""Reading the expiry date a resident types, says, keys or picks.

The card prints its expiry in the Western calendar; people also write the
era (令和13年3月15日), slashes (2031/3/15) or key eight digits on the phone
(20310315#). The words are data (``handlers/data/date_words.yaml``). Only a
real calendar date in the future and within the longest validity
(``city.yaml renewals.max_years_ahead``) is accepted; anything else is an
error code the flow turns into a message. A My Number or an application ID
never gets here: ``handlers.redact`` removes them before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from models.city import city

NOT_A_DATE, PAST, TOO_FAR = "not_a_date", "past", "too_far"
PICKER = "rd"  # the value of the date-picker button


@lru_cache(maxsize=1)
def _words() -> dict:
    with open(Path(__file__).parent / "data" / "date_words.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    w = _words()
    sep = "[" + "".join(re.escape(s) for s in w["separators"]) + "]"
    eras = "|".join(re.escape(e) for e in sorted(w["eras"], key=len, reverse=True))
    western = re.compile(rf"^(\d{{4}}){sep}(\d{{1,2}}){sep}(\d{{1,2}})$")
    era = re.compile(rf"^({eras})(\d{{1,2}}|{re.escape(w['first_year'])}){sep}(\d{{1,2}}){sep}(\d{{1,2}})$")
    return western, era


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "").lower()
    folded = re.sub(r"\s+", "", folded)
    for mark in _words()["day_marks"]:
        folded = folded.replace(mark, "")
    return folded


def parse(text: str | None) -> date | None:
    """A calendar date from typed or keyed text, or None."""
    folded = _fold(text or "")
    western, era = _patterns()
    digits = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", folded)
    m = digits or western.match(folded)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = era.match(folded)
        if m:
            year = 1 if m.group(2) == _words()["first_year"] else int(m.group(2))
            return date(_words()["eras"][m.group(1)] + year, int(m.group(3)), int(m.group(4)))
    except ValueError:  # 2031/2/30
        return None
    return None


def picked(params: object) -> date | None:
    """The date from LINE's date picker (``{"date": "2031-03-15"}``)."""
    if not isinstance(params, dict) or not isinstance(params.get("date"), str):
        return None
    try:
        return date.fromisoformat(params["date"][:10])
    except ValueError:
        return None


def max_years(kind: str) -> int:
    return int(((city().get("renewals") or {}).get("max_years_ahead") or {}).get(kind, 11))


def latest(kind: str, today: date) -> date:
    years = max_years(kind)
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def check(kind: str, value: date | None, today: date) -> date | str:
    """The date, or NOT_A_DATE / PAST / TOO_FAR."""
    if value is None:
        return NOT_A_DATE
    if value <= today:
        return PAST
    if value > latest(kind, today):
        return TOO_FAR
    return value


def picker_params(kind: str, today: date) -> dict[str, str]:
    """min / max / initial for LINE's date picker."""
    tomorrow = date.fromordinal(today.toordinal() + 1)
    return {"min": tomorrow.isoformat(), "max": latest(kind, today).isoformat(),
            "initial": tomorrow.isoformat()}  # fmt: skip
