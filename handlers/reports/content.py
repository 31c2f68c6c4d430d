"""What a report says, as plain data (JSON): built from the database, frozen when checked.

``build(session, kind, key)`` gives the report's content: who and when, one row
per support event (counts only: places, dates, numbers), totals that are the
sums of the rows (so daily reports add up to the month and the months to the
contract period), and for the monthly and completion reports plan progress,
inquiries and complaints by category, defect cases by status and reason.
Nothing here names a resident: a home visit's place is shown as its area, and
remarks pass ``summary_for_city`` (names, numbers and ids hidden).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.city_summary import summary_for_city
from models import defects as dc
from models.areas import get_area
from models.bookings import ACTIVE, Booking
from models.bookings import DONE as BOOKING_DONE
from models.city import city
from models.contracts import ContractPeriod, get_period, period_for
from models.event_results import (
    CONSULT_CATEGORIES,
    COUNT_FIELDS,
    TURNED_AWAY_REASONS,
    results_of,
)
from models.events import APPROVED, DONE, OPEN, VENUE, VISIT, SupportEvent, local
from models.places import HOME
from models.plan import progress
from models.reports import COMPLETION, DAILY, MONTHLY, inquiry_counts
from models.staff import Staff
from models.visits import VisitRequest
from scheduler.business_calendar import JST

HELD = (APPROVED, OPEN, DONE)


class UnknownReport(ValueError):
    """A key that names no report (bad date, month or period)."""


def span_of(session: Session, kind: str, key: str) -> tuple[date, date, ContractPeriod | None]:
    """The report's first and last day (inclusive) and its contract period."""
    try:
        if kind == DAILY:
            day = date.fromisoformat(key)
            return day, day, period_for(session, day)
        if kind == MONTHLY:
            first = date.fromisoformat(key + "-01")
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            return first, last, period_for(session, first)
        if kind == COMPLETION:
            period = get_period(session, int(key)) if key.isdigit() else None
            if period is not None:
                return period.starts_on, period.ends_on, period
    except ValueError as bad:
        raise UnknownReport(key) from bad
    raise UnknownReport(key)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), JST)


def support_events(
    session: Session, first: date, last: date, now: datetime | None = None
) -> list[SupportEvent]:
    """Events held on these Tokyo days, in time order: approved by the city, open or done
    (neither merely planned nor cancelled) and, given ``now``, begun by then."""
    query = (
        select(SupportEvent)
        .where(
            SupportEvent.starts_at >= _instant(first),
            SupportEvent.starts_at < _instant(last + timedelta(days=1)),
            SupportEvent.status.in_(HELD),
        )
        .order_by(SupportEvent.starts_at, SupportEvent.id)
    )
    if now is not None:
        query = query.where(SupportEvent.starts_at <= now)
    return list(session.scalars(query))


def booked(session: Session, event: SupportEvent) -> int:
    """People expected from bookings (venues) or visit requests (visits): 予約ベース."""
    if event.kind == VENUE:
        rows = session.scalars(
            select(Booking.party_size).where(
                Booking.event_id == event.id, Booking.status.in_((ACTIVE, BOOKING_DONE))
            )
        )
    else:
        rows = session.scalars(
            select(VisitRequest.applicants).where(VisitRequest.event_id == event.id)
        )
    return int(sum(rows))


def _place(event: SupportEvent, words: dict[str, Any]) -> str:
    if event.place.kind == HOME:  # a resident's home: never its name or address
        area = get_area(event.place.area) if event.place.area else None
        return words["home"] + (f"({area.name})" if area else "")
    return event.place.name


def _row(session: Session, event: SupportEvent, result, words, staff_names) -> dict[str, Any]:
    start, end = local(event.starts_at), local(event.ends_at)
    row: dict[str, Any] = {
        "event_id": event.id, "date": start.date().isoformat(), "kind": event.kind,
        "place": _place(event, words), "recorded": result is not None,
        "booked": booked(session, event),
    }  # fmt: skip
    if result is None:
        row.update({name: 0 for name in COUNT_FIELDS})
        row.update(
            applications=0, consultations={c: 0 for c in CONSULT_CATEGORIES},
            turned_away={r: 0 for r in TURNED_AWAY_REASONS}, staff=0, remarks="",
            start=start.strftime("%H:%M"), end=end.strftime("%H:%M"),
        )  # fmt: skip
    else:
        row.update(result.figures())
        row.update(
            start=local(result.started_at).strftime("%H:%M"),
            end=local(result.ended_at).strftime("%H:%M"),
            staff=len(result.staff_ids),
            remarks=summary_for_city(result.remarks, staff_names) if result.remarks else "",
        )  # fmt: skip
    row["consultations_total"] = sum(row["consultations"].values())
    row["turned_away_total"] = sum(row["turned_away"].values())
    return row


SUMMED = (*COUNT_FIELDS, "applications", "consultations_total", "turned_away_total", "staff",
          "booked")  # fmt: skip


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows' sums (the same function at every level: daily, monthly, completion)."""
    out: dict[str, Any] = {name: sum(r[name] for r in rows) for name in SUMMED}
    consult, away = Counter(), Counter()
    for r in rows:
        consult.update(r["consultations"])
        away.update(r["turned_away"])
    out["consultations"] = {c: consult.get(c, 0) for c in CONSULT_CATEGORIES}
    out["turned_away"] = {r: away.get(r, 0) for r in TURNED_AWAY_REASONS}
    out["events"] = len(rows)
    out["events_visit"] = sum(1 for r in rows if r["kind"] == VISIT)
    out["events_venue"] = sum(1 for r in rows if r["kind"] == VENUE)
    out["events_unrecorded"] = sum(1 for r in rows if not r["recorded"])
    return out


def build(session: Session, kind: str, key: str, now: datetime) -> dict[str, Any]:
    """The content of report ``kind``/``key`` as it stands now (JSON-able)."""
    from handlers.reports.render import labels

    words = labels()
    first, last, period = span_of(session, kind, key)
    events = support_events(session, first, last, now)
    results = results_of(session, [e.id for e in events])
    staff_names = [s.name for s in session.scalars(select(Staff))]
    rows = [_row(session, e, results.get(e.id), words, staff_names) for e in events]
    cfg = city()
    out: dict[str, Any] = {
        "kind": kind, "key": key, "from": first.isoformat(), "to": last.isoformat(),
        "city": cfg["name"], "contractor": cfg.get("contractor_name", ""),
        "program": cfg.get("program_name", ""),
        "period": period.name if period else None,
        "events": rows, "totals": totals(rows),
        "generated_at": local(now).strftime("%Y-%m-%d %H:%M"),
        "plan": None, "inquiries": None, "defects": None,
    }  # fmt: skip
    if kind in (MONTHLY, COMPLETION):
        end = _instant(last + timedelta(days=1))
        out["plan"] = progress(session, period, until=end) if period else None
        out["inquiries"] = inquiry_counts(session, _instant(first), end)
        out["defects"] = dc.counts_by_status_and_reason(session, since=first, until=last)
        out["defect_reasons"] = [r["code"] for r in dc.reasons()]
        out["defect_reason_labels"] = {r["code"]: r["label"] for r in dc.reasons()}
    return out


def support_days(session: Session, first: date, last: date) -> list[date]:
    """Tokyo days with at least one event held (not cancelled) in [first, last]."""
    return sorted({local(e.starts_at).date() for e in support_events(session, first, last)})


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two contents: totals and per-event counts, as rows."""
    out = []
    for name in SUMMED:
        a, b = before["totals"].get(name, 0), after["totals"].get(name, 0)
        if a != b:
            out.append({"what": name, "event": None, "before": a, "after": b})
    old = {r["event_id"]: r for r in before["events"]}
    for row in after["events"]:
        prev = old.get(row["event_id"], {})
        for name in (*COUNT_FIELDS, "applications", "consultations_total", "turned_away_total"):
            if prev.get(name, 0) != row[name]:
                out.append({"what": name, "event": f"{row['date']} {row['place']}",
                            "before": prev.get(name, 0), "after": row[name]})  # fmt: skip
    return out
