"""City specifics (name, areas, plan targets, contract, hours, contacts).

One data file, ``city.yaml`` at the project root (or CITY_CONFIG), read once.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CityConfig(dict):
    """The parsed city file; attribute access for templates (``city.name``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            value = self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc
        return CityConfig(value) if isinstance(value, dict) else value


@lru_cache(maxsize=4)
def _load(path: str) -> CityConfig:
    with open(path, encoding="utf-8") as fh:
        return CityConfig(yaml.safe_load(fh))


_DEFAULT_CONFIG = str(PROJECT_ROOT / "city.yaml")


def city() -> CityConfig:
    return _load(os.environ.get("CITY_CONFIG") or _DEFAULT_CONFIG)


# Texts of city.yaml that residents read, translated under ``translations:
# <locale>:`` (issue 17). ``name`` stays Japanese in やさしい日本語.
TRANSLATED_FIELDS: tuple[str, ...] = (
    "name",
    "program_name",
    "contractor_name",
    "contacts.support_phone_hours",
    "contacts.city_section",
    "pickup.place",
    "pickup.reservation_note",
    "pickup.deadline_note",
    "fees.reissue_note",
    "faq.myna_dial_note",
    "faq.support_booking_note",
    "faq.konbini_note",
)


def _overlay(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _overlay(base[key], value)
        else:
            merged[key] = value
    return merged


def city_in(locale: str) -> CityConfig:
    """The city file as a resident reading ``locale`` sees it: its translated texts
    laid over the Japanese (numbers, phone numbers and dates are shared)."""
    base = city()
    over = (base.get("translations") or {}).get(locale) or {}
    return CityConfig(_overlay(base, over)) if over else base


# -- retention (models/retention.py, docs/privacy.md "Retention") ---------------------------

# Days each kind of personal data is kept once nothing needs it any more; city.yaml
# ``retention:`` overrides any of them. The comments in city.yaml give the reasons.
RETENTION_DEFAULTS: dict[str, int] = {
    "inbound_events": 30,
    "outbox": 30,
    "conversations": 30,
    "inquiries": 365,
    "transcript": 365,
    "faq_review": 365,
    "phone_calls": 90,
    "bookings": 90,
    "visit_requests": 90,
    "applications": 400,
    "residents": 365,
    "sandbox": 7,
    "notice_preferences": 365,
    "renewal_reminders": 30,
    "announcements": 90,
}


def retention_days() -> dict[str, int]:
    """The retention periods, validated: a misspelt kind or a period that is not a
    whole number of days >= 1 is an error, never a silent default."""
    raw = city().get("retention") or {}
    if not isinstance(raw, dict):
        raise ValueError("city.yaml retention: expected a mapping of kind: days")
    unknown = sorted(set(raw) - set(RETENTION_DEFAULTS))
    if unknown:
        raise ValueError(
            f"city.yaml retention: unknown kinds {unknown}; known: {sorted(RETENTION_DEFAULTS)}"
        )
    days = {**RETENTION_DEFAULTS, **raw}
    for kind, value in days.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(
                f"city.yaml retention.{kind}: a whole number of days >= 1, not {value!r}"
            )
    return days
