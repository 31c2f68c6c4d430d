"""Who may use the support: an address in the city (下関市内に住所を有している者).

That is the program's only eligibility condition. The venue flow asks for it
before a place is booked, the way the visit flow checks the postal code:
the resident keys a postal code (checked against Japan Post data by
``models.postal``) or chooses their area, or says they live outside the city.

``ask_choices`` lays the areas out for the channel: LINE shows at most 13
quick replies, so the 17 areas come in two pages with 「ほかの地区」 and
「下関市外」 on each; the phone reads one list (「下関市外」 first) and its
keypad pages it by itself. ``judge`` turns an answer into a ``Residence``.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.contract import Choice
from handlers.text import label
from handlers.words import normalize
from models.areas import all_areas, area_for_town, get_area
from models.postal import check_eligibility

AREA = "area:"
OUTSIDE = "area:outside"
MORE = "area:more"
LINE_PAGE = 11  # + 「ほかの地区」 + 「下関市外」 = 13 quick replies

# Outcomes of ``judge``.
INSIDE = "inside"  # accepted: ``area`` and maybe ``postal`` are known
REFUSED = "refused"  # chose 「下関市外」
OUTSIDE_CODE = "outside_code"  # a postal code of another place (``where`` says which)
UNKNOWN_CODE = "unknown_code"  # a well-formed postal code Japan Post does not use
NEXT_PAGE = "next_page"  # 「ほかの地区」
NOT_UNDERSTOOD = "not_understood"


@dataclass(frozen=True)
class Residence:
    outcome: str
    area: str | None = None
    postal: str | None = None
    code: str = ""  # the postal code as read, for the reply
    where: str = ""  # prefecture + city of a postal code outside the city


def pages() -> int:
    return -(-len(all_areas()) // LINE_PAGE)


def ask_choices(*, voice: bool, page: int = 0) -> list[Choice]:
    """Area choices and 「下関市外」 for the channel (page only matters off the phone)."""
    outside = Choice(label("residence_outside"), OUTSIDE)
    areas = [Choice(a.name, f"{AREA}{a.code}") for a in all_areas()]
    if voice:
        return [outside, *areas]
    page = page % pages()
    shown = areas[page * LINE_PAGE : (page + 1) * LINE_PAGE]
    more = [Choice(label("residence_more"), MORE)] if pages() > 1 else []
    return [*shown, *more, outside]


def match_area(text: str) -> str | None:
    """An area code from a spoken or typed name (area, kana, office or town)."""
    said = normalize(text)
    if not said:
        return None
    hits = {
        a.code
        for a in all_areas()
        if any(normalize(n) and normalize(n) in said for n in (a.name, a.kana, a.office))
    }
    if len(hits) == 1:
        return hits.pop()
    return area_for_town(text.strip()) if not hits else None


def judge(kind: str, value: str | None, text: str | None) -> Residence:
    """What a button, a keyed postal code or a typed/spoken area name says."""
    if kind == "choice":
        if value == OUTSIDE:
            return Residence(REFUSED)
        if value == MORE:
            return Residence(NEXT_PAGE)
        code = (value or "").removeprefix(AREA)
        if (value or "").startswith(AREA) and get_area(code) is not None:
            return Residence(INSIDE, area=code)
        return Residence(NOT_UNDERSTOOD)
    said = (text or "").strip()
    postal = check_eligibility(said)
    if postal.eligible and postal.info is not None:
        return Residence(INSIDE, area=postal.info.area, postal=postal.code, code=postal.code or "")
    if postal.status == "outside_city" and postal.info is not None:
        where = f"{postal.info.prefecture}{postal.info.city}"
        return Residence(OUTSIDE_CODE, code=postal.code or "", where=where)
    if postal.status == "unknown_code":
        return Residence(UNKNOWN_CODE, code=postal.code or "")
    area = match_area(said)
    if area is not None:
        return Residence(INSIDE, area=area)
    return Residence(NOT_UNDERSTOOD)
