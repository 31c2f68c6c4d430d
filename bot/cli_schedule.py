"""``flask --app bot schedule export --month YYYY-MM [--out DIR]``.

Writes the month's events as ``schedule-YYYY-MM.ics`` (RFC 5545: CRLF line
ends, escaped text, lines folded at 75 octets, times in UTC) and
``schedule-YYYY-MM.csv`` (UTF-8 with BOM so that Excel reads Japanese).
Both hold personal data (home addresses, staff names): the export is audited.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time
from pathlib import Path

import click
from flask.cli import AppGroup

schedule_cli = AppGroup("schedule", help="The staff schedule.")
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
STATUS_ICS = {"planned": "TENTATIVE", "approved": "TENTATIVE", "open": "CONFIRMED",
              "done": "CONFIRMED", "cancelled": "CANCELLED"}  # fmt: skip


def month_span(text: str) -> tuple[datetime, datetime]:
    from scheduler.business_calendar import JST

    match = _MONTH.fullmatch(text or "")
    if match is None:
        raise click.BadParameter("use YYYY-MM, e.g. 2026-12", param_hint="--month")
    year, month = int(match.group(1)), int(match.group(2))
    start = datetime.combine(datetime(year, month, 1).date(), time(0), JST)
    nxt = datetime(year + month // 12, month % 12 + 1, 1).date()
    return start, datetime.combine(nxt, time(0), JST)


def ics_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )  # fmt: skip


def ics_fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1)."""
    out, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode())
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + n > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += n
    out.append(current)
    return "\r\n ".join(out)


def _utc(dt: datetime) -> str:
    from datetime import UTC

    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _staff(session, event) -> list[tuple[str, str]]:
    from models.staff import event_assignments

    return [(a.staff.name, a.role) for a in event_assignments(session, event.id)]


def build_ics(session, events, stamp: datetime) -> str:
    from handlers.text import render

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//myna-desk//schedule//JA",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]  # fmt: skip
    for e in events:
        ctx = {"kind": e.kind, "place": e.place.name, "address": e.place.address or "",
               "area": e.place.area or "", "status": e.status, "staff": _staff(session, e),
               "capacity": sum(s.capacity for s in e.slots),
               "booked": sum(s.booked for s in e.slots)}  # fmt: skip
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{e.id}@myna-desk",
            f"DTSTAMP:{_utc(stamp)}",
            f"DTSTART:{_utc(e.starts_at)}",
            f"DTEND:{_utc(e.ends_at)}",
            "SUMMARY:" + ics_escape(render("bookings/export_summary", **ctx)),
            "LOCATION:" + ics_escape(" ".join(x for x in (e.place.name, ctx["address"]) if x)),
            "DESCRIPTION:" + ics_escape(render("bookings/export_description", **ctx)),
            f"STATUS:{STATUS_ICS.get(e.status, 'TENTATIVE')}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)


def build_csv(session, events) -> str:
    from scheduler.business_calendar import JST

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["event_id", "date", "start", "end", "kind", "status", "place", "area",
                     "address", "capacity", "booked", "staff"])  # fmt: skip
    for e in events:
        start, end = e.starts_at.astimezone(JST), e.ends_at.astimezone(JST)
        writer.writerow([
            e.id, start.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M"),
            e.kind, e.status, e.place.name, e.place.area or "", e.place.address or "",
            sum(s.capacity for s in e.slots), sum(s.booked for s in e.slots),
            "; ".join(f"{name} ({role})" for name, role in _staff(session, e)),
        ])  # fmt: skip
    return buf.getvalue()


@schedule_cli.command("export")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--out", "out_dir", default=".", type=click.Path(file_okay=False), help="folder")
def export(month: str, out_dir: str) -> None:
    """Write a month's schedule as .ics and .csv."""
    from models.audit import audit
    from models.base import utcnow
    from models.db import db
    from models.events import events_between

    start, end = month_span(month)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with db.unit_of_work() as s:
        events = events_between(s, start, end)
        ics_path = folder / f"schedule-{month}.ics"
        csv_path = folder / f"schedule-{month}.csv"
        ics_path.write_bytes(build_ics(s, events, utcnow()).encode())
        csv_path.write_text(build_csv(s, events), encoding="utf-8-sig", newline="")
        audit(s, "cli", "export", f"schedule:{month}", f"{len(events)} events")
        s.commit()
    click.echo(f"wrote {len(events)} events to {ics_path} and {csv_path}")
