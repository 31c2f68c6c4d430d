"""Validation shared by the booking flows and the staff API.

Every function returns a value or an error code (a string); the flows turn
codes into templates (``templates/messages/<flow>/error_<code>.txt`` or a
shared one), the API into ``{"error": code}``. Limits come from city.yaml's
optional ``bookings`` block, with the defaults below.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from models import phone_numbers
from models.city import city
from models.events import VENUE, VISIT
from models.places import FACILITY, HOME
from models.places import VENUE as VENUE_PLACE
from scheduler.business_calendar import (
    JST,
    add_business_days,
    business_hours,
    is_business_day,
    validate_visit_window,
)

DEFAULTS: dict[str, Any] = {
    "max_party": 6,  # a family applying together at a venue
    "max_applicants": {"home": 6, "facility": 100},
    "preferred_dates": 3,
    # A visit needs preparation: the earliest preferred day is this many
    # business days after today, the latest this many calendar days ahead.
    "visit_lead_business_days": 2,
    "visit_horizon_days": 90,
    "visit_minutes": 60,
    # A place offered from the waiting list is held for nobody; when it is still
    # free this many hours later, the next resident waiting is told.
    "waitlist_offer_hours": 24,
}

NOT_A_NUMBER, TOO_SMALL, TOO_LARGE = "not_a_number", "too_small", "too_large"
BAD_PHONE = "bad_phone"
PICKER_GARBAGE, IN_THE_PAST, TOO_SOON, TOO_FAR = "picker_garbage", "in_the_past", "too_soon", "too_far"
NOT_BUSINESS_DAY, OUTSIDE_HOURS = "not_business_day", "outside_business_hours"
DUPLICATE_DATE = "duplicate_date"
OUTSIDE_VENUE_HOURS, ENDS_BEFORE_START, SPANS_DAYS = (
    "outside_venue_hours", "ends_before_start", "spans_days",
)  # fmt: skip
PLACE_KIND_MISMATCH = "place_kind_mismatch"
PLACES_FOR = {VENUE: (VENUE_PLACE,), VISIT: (FACILITY, HOME)}

WORDS = Path(__file__).parent / "data" / "booking_words.yaml"
_DIGITS = re.compile(r"[0-9]+")
_PICKER_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
_PICKER_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    """Counter words a resident may type after a number (booking_words.yaml)."""
    with open(WORDS, encoding="utf-8") as fh:
        words = yaml.safe_load(fh)
    return {"counters": tuple(words["counters"])}


def limits() -> dict[str, Any]:
    return {**DEFAULTS, **(city().get("bookings") or {})}


def parse_count(raw: str | None, lo: int, hi: int) -> int | str:
    """A whole number in [lo, hi] from a button value or typed text (full-width too)."""
    folded = unicodedata.normalize("NFKC", raw or "").strip()
    for suffix in _words()["counters"]:
        folded = folded.removesuffix(suffix).strip()
    if not folded or len(folded) > 6 or not _DIGITS.fullmatch(folded):
        return NOT_A_NUMBER
    n = int(folded)
    if n < lo:
        return TOO_SMALL
    if n > hi:
        return TOO_LARGE
    return n


def parse_phone(raw: str | None) -> str | str:
    """A Japanese phone number as digits (10 or 11, leading 0), or BAD_PHONE."""
    return phone_numbers.domestic(raw) or BAD_PHONE


def is_phone(value: str) -> bool:
    return value != BAD_PHONE


def _fmt(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")


def visit_bounds(now: datetime) -> tuple[date, date]:
    """First and last day a visit may be wished for."""
    lim = limits()
    today = now.astimezone(JST).date()
    first = add_business_days(today, int(lim["visit_lead_business_days"]))
    if first == today:
        first = add_business_days(today, 1)
    return first, today + timedelta(days=int(lim["visit_horizon_days"]))


def picker_params(now: datetime) -> dict[str, str]:
    """min / max / initial for the LINE datetime picker (local Tokyo time)."""
    first, last = visit_bounds(now)
    opening, closing = business_hours()
    latest_start = (datetime.combine(last, closing) - timedelta(minutes=limits()["visit_minutes"]))
    return {
        "min": _fmt(datetime.combine(first, opening)),
        "max": _fmt(latest_start),
        "initial": _fmt(datetime.combine(first, time(10, 0))),
    }


def parse_picked(params: Any) -> datetime | str:
    """The instant the resident picked (Tokyo), or PICKER_GARBAGE."""
    if not isinstance(params, dict):
        return PICKER_GARBAGE
    raw = params.get("datetime")
    try:
        if isinstance(raw, str) and _PICKER_DATETIME.fullmatch(raw):
            return datetime.fromisoformat(raw).replace(tzinfo=JST)
        raw = params.get("date")
        if isinstance(raw, str) and _PICKER_DATE.fullmatch(raw):
            return datetime.combine(date.fromisoformat(raw), time(10, 0), JST)
    except ValueError:
        return PICKER_GARBAGE
    return PICKER_GARBAGE


def preferred_visit_error(start: datetime, now: datetime) -> str | None:
    """Why a wished visit start is not acceptable, or None."""
    if start <= now:
        return IN_THE_PAST
    first, last = visit_bounds(now)
    day = start.astimezone(JST).date()
    if not is_business_day(day):
        return NOT_BUSINESS_DAY
    if day < first:
        return TOO_SOON
    if day > last:
        return TOO_FAR
    end = start + timedelta(minutes=int(limits()["visit_minutes"]))
    if validate_visit_window(start, end):
        return OUTSIDE_HOURS
    return None


def event_time_errors(
    kind: str, place_kind: str, hours: tuple[time, time] | None, start: datetime,
    end: datetime, now: datetime,
) -> list[str]:  # fmt: skip
    """Rules for an event's time: visits on business days 09:00–17:00, venues in their hours."""
    errors: list[str] = []
    if place_kind not in PLACES_FOR.get(kind, ()):
        errors.append(PLACE_KIND_MISMATCH)
    if start <= now:
        errors.append(IN_THE_PAST)
    if end <= start:
        errors.append(ENDS_BEFORE_START)
    if kind == VISIT:
        errors += [c for c in validate_visit_window(start, end) if c not in errors]
        return errors
    local_start, local_end = start.astimezone(JST), end.astimezone(JST)
    if local_start.date() != local_end.date() and SPANS_DAYS not in errors:
        errors.append(SPANS_DAYS)
    if hours is not None and (local_start.time() < hours[0] or local_end.time() > hours[1]):
        errors.append(OUTSIDE_VENUE_HOURS)
    return errors
