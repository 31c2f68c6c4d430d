"""The city's areas (the main office and 16 branch offices) and their towns.

The data, all Japanese text included, lives in ``models/data/areas.yaml``;
this module only reads it. The mapping is partial on purpose: a town no rule
covers gets None, and staff choose the area.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

AREAS_FILE = Path(__file__).resolve().parent / "data" / "areas.yaml"


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str
    kana: str
    office: str
    towns: tuple[str, ...]
    prefixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Rules:
    areas: tuple[Area, ...]
    variants: dict[str, str]
    exact: dict[str, str]
    # (prefix, code), longest prefix first.
    prefixes: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    with open(AREAS_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    variants = {str(k): str(v) for k, v in (data.get("spelling_variants") or {}).items()}
    areas = tuple(
        Area(
            code=item["code"],
            name=item["name"],
            kana=item["kana"],
            office=item["office"],
            towns=tuple(item.get("towns") or ()),
            prefixes=tuple(item.get("prefixes") or ()),
        )
        for item in data["areas"]
    )
    exact: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for area in areas:
        for town in area.towns:
            _claim(exact, _fold(town, variants), area.code)
        for prefix in area.prefixes:
            _claim(prefixes, _fold(prefix, variants), area.code)
    ordered = tuple(sorted(prefixes.items(), key=lambda kv: -len(kv[0])))
    return _Rules(areas, variants, exact, ordered)


def _claim(table: dict[str, str], key: str, code: str) -> None:
    # Two areas claiming one name is a data error, not a tie to break silently.
    if key in table and table[key] != code:
        raise ValueError(f"areas.yaml: {key!r} claimed by {table[key]} and {code}")
    table[key] = code


def _fold(text: str, variants: dict[str, str]) -> str:
    text = text.strip()
    for old, new in variants.items():
        text = text.replace(old, new)
    return text


def all_areas() -> list[Area]:
    """The 17 areas in the order of areas.yaml (the main office, honcho, first)."""
    return list(_rules().areas)


def get_area(code: str) -> Area | None:
    return next((a for a in _rules().areas if a.code == code), None)


def area_for_town(town: str) -> str | None:
    """The area code of a town name as written in postal data, or None when unknown."""
    rules = _rules()
    key = _fold(town or "", rules.variants)
    if not key:
        return None
    if key in rules.exact:
        return rules.exact[key]
    for prefix, code in rules.prefixes:
        if key.startswith(prefix):
            return code
    return None
