"""Business days and business hours of the city (visits, city staff, SLA clocks).

A business day is a weekday that is neither a national holiday (including
振替休日 and 国民の休日) nor inside the year-end closure from ``city.yaml``.
Holidays come from the maintained ``holidays`` package, so no list is typed
by hand; refresh by bumping its version (see docs/calendar-and-eligibility.md).

Pure: no Flask, no APScheduler. Datetimes must be timezone-aware; they are
read in Asia/Tokyo. Business hours are half-open, [opening, closing).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

JST = ZoneInfo("Asia/Tokyo")


def city() -> dict:
    """city.yaml, imported late: ``models`` imports this module, so importing
    ``models`` at the top would make ``import scheduler.business_calendar``
    alone fail (issue 18)."""
    from models.city import city as load

    return load()

# Error codes of validate_visit_window; templates map them to resident/staff text.
NOT_BUSINESS_DAY = "not_business_day"
OUTSIDE_BUSINESS_HOURS = "outside_business_hours"
ENDS_BEFORE_START = "ends_before_start"
SPANS_DAYS = "spans_days"

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def _holidays_of(year: int) -> Mapping[date, str]:
    """The year's holidays, built once per year and frozen (safe across threads)."""
    # The library computes JP holidays for 1949..2099 (equinox tables end there);
    # outside that range it returns an empty year.
    table = holidays.country_holidays("JP", years=year, language="ja")
    return MappingProxyType(dict(table))


def _day(d: date) -> date:
    """A datetime is read as its day in Tokyo; a date is itself."""
    if isinstance(d, datetime):
        return _to_jst(d).date()
    return d


def _to_jst(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return dt.astimezone(JST)


def is_holiday(d: date) -> bool:
    """National holiday, 振替休日 or 国民の休日 (not the year-end closure)."""
    d = _day(d)
    return d in _holidays_of(d.year)


def holiday_name(d: date) -> str | None:
    """The holiday's Japanese name from the library, or None."""
    d = _day(d)
    return _holidays_of(d.year).get(d)


def _month_day(text: str) -> tuple[int, int]:
    month, day = str(text).split("-")
    return int(month), int(day)


def is_year_end_closure(d: date) -> bool:
    """Inside the inclusive closure from city.yaml (may wrap over New Year)."""
    d = _day(d)
    hours = city()["business_hours"]
    start, end = _month_day(hours["closed_from"]), _month_day(hours["closed_to"])
    md = (d.month, d.day)
    if start <= end:
        return start <= md <= end
    return md >= start or md <= end


def is_business_day(d: date) -> bool:
    d = _day(d)
    return d.weekday() < 5 and not is_holiday(d) and not is_year_end_closure(d)


def next_business_day(d: date) -> date:
    """The first business day strictly after ``d``."""
    d = _day(d) + _ONE_DAY
    while not is_business_day(d):
        d += _ONE_DAY
    return d


def add_business_days(d: date, n: int) -> date:
    """``d`` rolled forward to a business day, then ``n`` business days on.

    n=0 gives ``d`` itself when it is a business day, else the next one; so
    Saturday + 1 is Tuesday (Monday is the roll-forward, Tuesday the +1).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    d = _day(d)
    if not is_business_day(d):
        d = next_business_day(d)
    for _ in range(n):
        d = next_business_day(d)
    return d


def business_days_between(a: date, b: date) -> int:
    """Business days in the half-open range [a, b); negative when b < a."""
    a, b = _day(a), _day(b)
    if b < a:
        return -business_days_between(b, a)
    count = 0
    d = a
    while d < b:
        if is_business_day(d):
            count += 1
        d += _ONE_DAY
    return count


def _clock(value: object) -> time:
    """A clock time from city.yaml: "09:00", or 540 if YAML read an unquoted 9:00."""
    if isinstance(value, time):
        return value
    if isinstance(value, int):
        return time(value // 60, value % 60)
    return time.fromisoformat(str(value))


def business_hours() -> tuple[time, time]:
    """(opening, closing) in Tokyo time, from city.yaml."""
    hours = city()["business_hours"]
    return _clock(hours["start"]), _clock(hours["end"])


def within_business_hours(dt: datetime) -> bool:
    """A business day and opening <= time < closing, in Tokyo."""
    local = _to_jst(dt)
    opening, closing = business_hours()
    return is_business_day(local.date()) and opening <= local.time() < closing


def business_seconds_between(start: datetime, end: datetime) -> float:
    """Business time elapsed from ``start`` to ``end`` (0 when end <= start)."""
    start, end = _to_jst(start), _to_jst(end)
    if end <= start:
        return 0.0
    opening, closing = business_hours()
    total = 0.0
    day = start.date()
    while day <= end.date():
        if is_business_day(day):
            day_open = datetime.combine(day, opening, JST)
            day_close = datetime.combine(day, closing, JST)
            lo, hi = max(start, day_open), min(end, day_close)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += _ONE_DAY
    return total


def validate_visit_window(start: datetime, end: datetime) -> list[str]:
    """Error codes for a visit window; empty when it is on one business day, in hours."""
    start, end = _to_jst(start), _to_jst(end)
    errors: list[str] = []
    if end <= start:
        errors.append(ENDS_BEFORE_START)
    if start.date() != end.date():
        errors.append(SPANS_DAYS)
    if not (is_business_day(start.date()) and is_business_day(end.date())):
        errors.append(NOT_BUSINESS_DAY)
    opening, closing = business_hours()
    # Against the start day's hours; a window may end exactly at closing time.
    day_open = datetime.combine(start.date(), opening, JST)
    day_close = datetime.combine(start.date(), closing, JST)
    if start < day_open or end > day_close:
        errors.append(OUTSIDE_BUSINESS_HOURS)
    return errors
