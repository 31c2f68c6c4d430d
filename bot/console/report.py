"""The city's views: complaints with timestamps, defect counts (CSVs, audited).

Plan progress, per contract period, is in ``bot/console/contracts.py``."""

from __future__ import annotations

from datetime import date

from flask import Response, render_template, request

from bot.console.blueprint import bp
from bot.console.security import actor, require
from models import console_queries as q
from models import defects as dc
from models.audit import audit
from models.base import utcnow
from models.city_notices import notices_of
from models.db import db
from models.permissions import EXPORT_CITY_REPORT, VIEW_CITY_REPORT


def _period() -> tuple[date | None, date | None]:
    """The report's ``since`` / ``until`` (by the day a defect was found); bad input: open."""

    def parse(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name) or "")
        except ValueError:
            return None

    return parse("since"), parse("until")


def csv_download(body: str, name: str) -> Response:
    """A dated CSV attachment; with a BOM so that Excel (what city offices open CSVs
    with) reads UTF-8."""
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}-{stamp}.csv"},
    )


@bp.route("/reports/complaints")
@require(VIEW_CITY_REPORT)
def city_report():
    since, until = _period()
    with db.reader() as s:
        rows = q.complaints(s, utcnow())
        counts = dc.counts_by_status_and_reason(s, since=since, until=until)
        return render_template(
            "console/city_report.html", rows=rows, counts=counts, reasons=dc.reasons(),
            since=since, until=until,
            notices=notices_of(s, [r.inquiry.id for r in rows]),
        )  # fmt: skip


@bp.route("/reports/complaints.csv")
@require(EXPORT_CITY_REPORT)
def city_report_csv():
    with db.unit_of_work() as s:
        rows = q.complaints(s, utcnow())
        audit(s, actor(), "export", "report:complaints", f"{len(rows)} rows")
        body = render_template("console/city_report.csv", rows=rows, sla_hours=q.SLA_BUSINESS_HOURS,
                               notices=notices_of(s, [r.inquiry.id for r in rows]))  # fmt: skip
        s.commit()
    return csv_download(body, "complaints")


@bp.route("/reports/defects.csv")
@require(EXPORT_CITY_REPORT)
def defect_counts_csv():
    """Defect cases counted by status and reason (no personal data); the export is audited."""
    since, until = _period()
    with db.unit_of_work() as s:
        counts = dc.counts_by_status_and_reason(s, since=since, until=until)
        audit(s, actor(), "export", "report:defects", f"{since or ''}..{until or ''}")
        body = render_template("console/defect_counts.csv", counts=counts, reasons=dc.reasons())
        s.commit()
    return csv_download(body, "defects")

