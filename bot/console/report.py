"""The city's views: complaints with timestamps (and a CSV, audited), plan progress."""

from __future__ import annotations

from flask import Response, render_template

from bot.console.blueprint import bp
from bot.console.security import actor, require
from models import console_queries as q
from models.audit import audit
from models.base import utcnow
from models.db import db
from models.permissions import EXPORT_CITY_REPORT, VIEW_CITY_REPORT, VIEW_PLAN
from models.plan import progress


@bp.route("/reports/complaints")
@require(VIEW_CITY_REPORT)
def city_report():
    with db.reader() as s:
        rows = q.complaints(s, utcnow())
        return render_template("console/city_report.html", rows=rows)


@bp.route("/reports/complaints.csv")
@require(EXPORT_CITY_REPORT)
def city_report_csv():
    with db.unit_of_work() as s:
        rows = q.complaints(s, utcnow())
        audit(s, actor(), "export", "report:complaints", f"{len(rows)} rows")
        body = render_template("console/city_report.csv", rows=rows, sla_hours=q.SLA_BUSINESS_HOURS)
        s.commit()
    stamp = utcnow().strftime("%Y%m%d")
    # A BOM so that Excel (what city offices open CSVs with) reads UTF-8.
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=complaints-{stamp}.csv"},
    )


@bp.route("/plan")
@require(VIEW_PLAN)
def plan():
    with db.reader() as s:
        return render_template("console/plan.html", p=progress(s))
