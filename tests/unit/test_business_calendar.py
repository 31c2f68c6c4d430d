"""The business calendar: holidays, the year-end closure, business days and hours."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from scheduler.business_calendar import (
    ENDS_BEFORE_START,
    JST,
    NOT_BUSINESS_DAY,
    OUTSIDE_BUSINESS_HOURS,
    SPANS_DAYS,
    add_business_days,
    business_days_between,
    business_hours,
    business_seconds_between,
    holiday_name,
    is_business_day,
    is_holiday,
    is_year_end_closure,
    next_business_day,
    validate_visit_window,
    within_business_hours,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CABINET_OFFICE_CSV = SHARED / "holidays" / "syukujitsu.csv"

# The Cabinet Office names a few days differently from the library; the dates agree.
# Its generic 休日 is the library's 振替休日 or 国民の休日.
NAME_EXCEPTIONS = {
    date(2019, 5, 1): "天皇の即位の日",  # CSV: 休日（祝日扱い）
    date(2019, 10, 14): "体育の日",  # CSV: 体育の日（スポーツの日）
    date(2019, 10, 22): "即位礼正殿の儀が行われる日",  # CSV: 休日（祝日扱い）
}


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


@pytest.fixture(scope="module")
def cabinet_office() -> dict[date, str]:
    if not CABINET_OFFICE_CSV.exists():
        pytest.skip(f"Cabinet Office holiday list not found at {CABINET_OFFICE_CSV}")
    listed: dict[date, str] = {}
    with open(CABINET_OFFICE_CSV, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)  # header
        for day, name in reader:
            y, m, d = (int(part) for part in day.split("/"))
            listed[date(y, m, d)] = name
    return listed


def test_calendar_agrees_with_the_cabinet_office_on_every_date_it_covers(cabinet_office):
    # The whole list, 1955-01-01 .. its last date: the library agrees on every day.
    first, last = date(1955, 1, 1), max(cabinet_office)
    assert min(cabinet_office) == first and last >= date(2027, 11, 23)
    wrong = []
    day = first
    while day <= last:
        if is_holiday(day) != (day in cabinet_office):
            wrong.append((day, holiday_name(day), cabinet_office.get(day)))
        day += timedelta(days=1)
    assert wrong == []
    assert (last - first).days > 26_000  # really walked the range


def test_holiday_names_match_the_cabinet_office(cabinet_office):
    wrong = []
    for day, listed in cabinet_office.items():
        name = holiday_name(day)
        if day in NAME_EXCEPTIONS:
            ok = name == NAME_EXCEPTIONS[day]
        elif listed == "休日":
            ok = name in {"振替休日", "国民の休日"}
        else:
            ok = name == listed
        if not ok:
            wrong.append((day, listed, name))
    assert wrong == []


def test_ordinary_days_have_no_holiday_name():
    assert holiday_name(date(2026, 6, 10)) is None
    assert not is_holiday(date(2026, 6, 10))


@pytest.mark.parametrize("year", [2028, 2030, 2035, 2050, 2099])
def test_years_beyond_the_csv_still_have_their_holidays(year):
    assert holiday_name(date(year, 1, 1)) == "元日"
    spring = [date(year, 3, d) for d in range(19, 23) if holiday_name(date(year, 3, d))]
    autumn = [d for d in range(21, 25) if holiday_name(date(year, 9, d)) == "秋分の日"]
    assert [holiday_name(d) for d in spring] in (["春分の日"], ["春分の日", "振替休日"])
    assert len(autumn) == 1
    assert not is_business_day(date(year, 1, 1))


def test_weekends_are_not_business_days():
    assert is_business_day(date(2026, 6, 12))  # Friday
    assert not is_business_day(date(2026, 6, 13))  # Saturday
    assert not is_business_day(date(2026, 6, 14))  # Sunday


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 11, 24), "振替休日"),  # 勤労感謝の日 fell on a Sunday
        (date(2026, 5, 6), "振替休日"),  # 憲法記念日 fell on a Sunday
        (date(2026, 9, 22), "国民の休日"),  # between 敬老の日 and 秋分の日
    ],
)
def test_substitute_and_citizens_holidays_close_the_office(day, name):
    assert day.weekday() < 5
    assert holiday_name(day) == name
    assert not is_business_day(day)


def test_year_end_closure_runs_from_december_27_to_january_4():
    assert not is_year_end_closure(date(2026, 12, 26))
    assert is_year_end_closure(date(2026, 12, 27))
    assert is_year_end_closure(date(2026, 12, 31))
    assert is_year_end_closure(date(2027, 1, 1))
    assert is_year_end_closure(date(2027, 1, 4))
    assert not is_year_end_closure(date(2027, 1, 5))
    # Weekdays inside the closure are still closed.
    assert date(2026, 12, 28).weekday() == 0 and not is_business_day(date(2026, 12, 28))
    assert date(2027, 1, 4).weekday() == 0 and not is_business_day(date(2027, 1, 4))
    assert is_business_day(date(2026, 12, 25)) and is_business_day(date(2027, 1, 5))


def test_closure_dates_come_from_the_city_file(tmp_path, monkeypatch):
    import yaml

    from models.city import PROJECT_ROOT

    data = yaml.safe_load((PROJECT_ROOT / "city.yaml").read_text(encoding="utf-8"))
    data["business_hours"].update(
        start="10:00", end="16:00", closed_from="08-13", closed_to="08-16"
    )
    other = tmp_path / "city.yaml"
    other.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CITY_CONFIG", str(other))
    assert business_hours() == (time(10), time(16))
    assert is_year_end_closure(date(2026, 8, 14)) and not is_year_end_closure(date(2026, 8, 17))
    assert not is_year_end_closure(date(2026, 12, 28))


def test_business_day_arithmetic_skips_the_new_year_closure():
    friday = date(2026, 12, 25)
    assert next_business_day(friday) == date(2027, 1, 5)
    assert add_business_days(friday, 0) == friday
    assert add_business_days(friday, 1) == date(2027, 1, 5)
    assert add_business_days(friday, 2) == date(2027, 1, 6)
    assert add_business_days(date(2026, 12, 30), 0) == date(2027, 1, 5)
    assert business_days_between(friday, date(2027, 1, 6)) == 2  # 12/25 and 1/5


def test_business_day_arithmetic_skips_golden_week():
    # 2026: 4/29 昭和の日 (Wed); 5/3 Sun, 5/4 Mon, 5/5 Tue, 5/6 Wed 振替休日.
    assert add_business_days(date(2026, 5, 1), 1) == date(2026, 5, 7)
    assert next_business_day(date(2026, 4, 28)) == date(2026, 4, 30)
    assert business_days_between(date(2026, 4, 27), date(2026, 5, 8)) == 5
    assert business_days_between(date(2026, 5, 8), date(2026, 4, 27)) == -5
    assert business_days_between(date(2026, 5, 2), date(2026, 5, 2)) == 0


def test_adding_days_from_a_weekend_rolls_forward_first():
    saturday = date(2026, 6, 13)
    assert add_business_days(saturday, 0) == date(2026, 6, 15)
    assert add_business_days(saturday, 1) == date(2026, 6, 16)
    with pytest.raises(ValueError):
        add_business_days(saturday, -1)


def test_business_hours_come_from_the_city_file():
    assert business_hours() == (time(9), time(17))


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (jst(2026, 6, 12, 9, 0), True),
        (jst(2026, 6, 12, 16, 59, 59), True),
        (jst(2026, 6, 12, 17, 0), False),
        (jst(2026, 6, 12, 8, 59, 59), False),
        (jst(2026, 6, 13, 10, 0), False),  # Saturday
        (jst(2026, 5, 4, 10, 0), False),  # みどりの日
        (jst(2026, 12, 28, 10, 0), False),  # year-end closure
        (datetime(2026, 6, 12, 0, 0, tzinfo=UTC), True),  # 09:00 in Tokyo
        (datetime(2026, 6, 12, 8, 0, tzinfo=UTC), False),  # 17:00 in Tokyo
    ],
)
def test_within_business_hours(moment, inside):
    assert within_business_hours(moment) is inside


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        within_business_hours(datetime(2026, 6, 12, 10, 0))


def test_business_seconds_skip_nights_and_a_weekend():
    # Friday 16:00 -> Monday 10:00: one hour on Friday, one on Monday.
    assert business_seconds_between(jst(2026, 6, 12, 16), jst(2026, 6, 15, 10)) == 7200


def test_business_seconds_skip_golden_week_holidays():
    # Friday 5/1 16:00 -> Thursday 5/7 10:30; 5/2-5/6 are weekend and holidays.
    assert business_seconds_between(jst(2026, 5, 1, 16), jst(2026, 5, 7, 10, 30)) == 9000


def test_business_seconds_within_one_day_and_edge_cases():
    assert business_seconds_between(jst(2026, 6, 12, 7), jst(2026, 6, 12, 9, 30)) == 1800
    assert business_seconds_between(jst(2026, 6, 12, 10), jst(2026, 6, 12, 20)) == 7 * 3600
    assert business_seconds_between(jst(2026, 6, 13, 10), jst(2026, 6, 14, 20)) == 0
    assert business_seconds_between(jst(2026, 6, 12, 12), jst(2026, 6, 12, 11)) == 0
    # Any time zone in, Tokyo business time out: 01:00Z = 10:00 JST.
    start = datetime(2026, 6, 12, 1, 0, tzinfo=UTC)
    assert business_seconds_between(start, start + timedelta(hours=1)) == 3600
    # A week of business days is five full days.
    assert business_seconds_between(jst(2026, 6, 15), jst(2026, 6, 22)) == 5 * 8 * 3600


def test_a_visit_window_inside_hours_on_a_business_day_is_valid():
    assert validate_visit_window(jst(2026, 6, 12, 9), jst(2026, 6, 12, 17)) == []
    assert validate_visit_window(jst(2026, 6, 12, 13), jst(2026, 6, 12, 14, 30)) == []


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        (jst(2026, 6, 13, 10), jst(2026, 6, 13, 11), [NOT_BUSINESS_DAY]),  # Saturday
        (jst(2026, 5, 5, 10), jst(2026, 5, 5, 11), [NOT_BUSINESS_DAY]),  # こどもの日
        (jst(2026, 12, 28, 10), jst(2026, 12, 28, 11), [NOT_BUSINESS_DAY]),  # closure
        (jst(2026, 6, 12, 8, 30), jst(2026, 6, 12, 10), [OUTSIDE_BUSINESS_HOURS]),
        (jst(2026, 6, 12, 16), jst(2026, 6, 12, 17, 30), [OUTSIDE_BUSINESS_HOURS]),
        (jst(2026, 6, 12, 11), jst(2026, 6, 12, 10), [ENDS_BEFORE_START]),
        (jst(2026, 6, 12, 11), jst(2026, 6, 12, 11), [ENDS_BEFORE_START]),
        (jst(2026, 6, 11, 16), jst(2026, 6, 12, 10), [SPANS_DAYS, OUTSIDE_BUSINESS_HOURS]),
    ],
)
def test_invalid_visit_windows_are_named(start, end, errors):
    assert validate_visit_window(start, end) == errors


def test_visit_window_codes_are_ascii():
    codes = validate_visit_window(jst(2026, 6, 13, 8), jst(2026, 6, 14, 18))
    assert set(codes) == {NOT_BUSINESS_DAY, OUTSIDE_BUSINESS_HOURS, SPANS_DAYS}
    assert all(code.isascii() for code in codes)
