"""Reports to the city (docs/reports.md): an event's figures, the report list with the
missing days, the preview, Excel and PDF downloads (audited), check and submit."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from bot.console.blueprint import bp
from bot.console.security import actor, can, require
from handlers.reports import content as rc
from handlers.reports import results as res
from handlers.reports import workflow as wf
from handlers.reports.render import labels
from models import contracts as ct
from models import reports as rp
from models.audit import audit
from models.base import utcnow
from models.db import db
from models.event_results import CONSULT_CATEGORIES, TURNED_AWAY_REASONS, unrecorded_events
from models.events import SupportEvent, local
from models.permissions import CHECK_REPORTS, RECORD_RESULTS, VIEW_CITY_REPORT
from models.staff import event_assignments

REMIND_DAYS = 60  # how far back the console looks for events without figures
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def missing_figures() -> list:
    """Events held in the last ``REMIND_DAYS`` days whose figures nobody recorded."""
    now = utcnow()
    with db.reader() as s:
        return [(e.id, local(e.starts_at).date(), e.place.name if e.place.kind != "home" else "")
                for e in unrecorded_events(s, now - timedelta(days=REMIND_DAYS), now)]  # fmt: skip


@bp.context_processor
def _report_helpers() -> dict:
    return {"missing_figures": missing_figures}


def _event_or_404(s, event_id: int) -> SupportEvent:
    event = s.get(SupportEvent, event_id)
    if event is None:
        abort(404)
    return event


def _results_page(event_id: int, f, errors, status=200):
    with db.reader() as s:
        event = _event_or_404(s, event_id)
        return render_template(
            "console/event_results.html", event=event, f=f, errors=errors,
            assignments=event_assignments(s, event.id), consult=CONSULT_CATEGORIES,
            away=TURNED_AWAY_REASONS, recorded=res.result_of(s, event.id) is not None,
            closed=res.event_errors(event, utcnow()),
        ), status  # fmt: skip


@bp.route("/events/<int:event_id>/results", methods=["GET", "POST"])
@require(RECORD_RESULTS)
def event_results(event_id: int):
    if request.method == "GET":
        with db.reader() as s:
            f = res.prefill(s, _event_or_404(s, event_id))
        return _results_page(event_id, f, {})
    with db.unit_of_work() as s:
        event = _event_or_404(s, event_id)
        refused = res.event_errors(event, utcnow())
        assigned = {a.staff_id for a in event_assignments(s, event.id)}
        f, errors = res.parse(request.form, assigned)
        if refused or errors:
            s.rollback()
            return _results_page(event_id, f, {**refused, **errors}, status=422)
        res.save(s, actor(), event, f)
        s.commit()
    flash("results_saved")
    return redirect(url_for("console.event_results", event_id=event_id))


def _kind_or_404(kind: str) -> str:
    if kind not in rp.KINDS:
        abort(404)
    return kind


def _version_arg() -> int | None:
    raw = request.args.get("version") or ""
    return int(raw) if raw.isdigit() and len(raw) < 6 else None


@bp.route("/reports")
@require(VIEW_CITY_REPORT)
def reports():
    with db.reader() as s:
        period = ct.current_period(s)
        if period is not None and request.args.get("period", "").isdigit():
            period = ct.get_period(s, int(request.args["period"])) or period
        days, months = [], []
        if period is not None:
            days = rc.support_days(s, period.starts_on, min(period.ends_on, ct.tokyo_day()))
            first, last = period.starts_on.replace(day=1), period.ends_on
            while first <= last:
                months.append(first.strftime("%Y-%m"))
                first = (first + timedelta(days=32)).replace(day=1)
        latest = {(r.kind, r.key): r for r in rp.all_latest(s)}
        return render_template(
            "console/reports.html", period=period, periods=ct.list_periods(s),
            days=list(reversed(days)), months=list(reversed(months)), latest=latest,
        )  # fmt: skip


@bp.route("/reports/<kind>/<key>")
@require(VIEW_CITY_REPORT)
def report(kind: str, key: str):
    import base64

    from handlers.reports import photos as ph
    from handlers.reports.chart import progress_png

    _kind_or_404(kind)
    with db.reader() as s:
        try:
            produced = wf.produce(s, kind, key, utcnow(), _version_arg())
        except rc.UnknownReport:
            abort(404)
        c = produced.content
        chart = progress_png(c["plan"], labels()) if c.get("plan") else None
        pics = [{"uri": ph.data_uri(p), "caption": ph.caption(p), "label": ""}
                for p in ph.confirmed(s, c)]  # fmt: skip
        return render_template(
            "console/report.html", kind=kind, key=key, c=c, meta=produced.meta, diff=produced.diff,
            history=produced.history, R=labels(), photos=pics,
            chart="data:image/png;base64," + base64.b64encode(chart).decode() if chart else "",
            today=ct.tokyo_day(), can_check=can(CHECK_REPORTS),
        )  # fmt: skip


@bp.route("/reports/<kind>/<key>.<ext>")
@require(VIEW_CITY_REPORT)
def report_file(kind: str, key: str, ext: str):
    _kind_or_404(kind)
    if ext not in MIME:
        abort(404)
    with db.unit_of_work() as s:
        try:
            produced = wf.produce(s, kind, key, utcnow(), _version_arg())
        except rc.UnknownReport:
            abort(404)
        xlsx, pdf = wf.files(s, produced)
        audit(s, actor(), "export", wf.target(kind, key), f"v{produced.meta['version']} {ext}")
        s.commit()
    name = wf.filename(kind, key, produced.meta, ext)
    return Response(xlsx if ext == "xlsx" else pdf, mimetype=MIME[ext],
                    headers={"Content-Disposition": f"attachment; filename={name}"})  # fmt: skip


@bp.route("/reports/<kind>/<key>/check", methods=["POST"])
@require(CHECK_REPORTS)
def report_check(kind: str, key: str):
    return _step(kind, key, "check")


@bp.route("/reports/<kind>/<key>/submit", methods=["POST"])
@require(CHECK_REPORTS)
def report_submit(kind: str, key: str):
    return _step(kind, key, "submit")


def _step(kind: str, key: str, step: str):
    _kind_or_404(kind)
    try:
        with db.unit_of_work() as s:
            rc.span_of(s, kind, key)
            if step == "check":
                wf.check(s, kind, key, actor(), g.account.role, utcnow())
            else:
                try:
                    on = date.fromisoformat(request.form.get("submitted_on") or "")
                except ValueError:
                    on = None
                wf.submit(s, kind, key, actor(), g.account.role, on)
            s.commit()
    except rc.UnknownReport:
        abort(404)
    except wf.WorkflowRefused as refused:
        flash(f"report_{refused.code}")
        return redirect(url_for("console.report", kind=kind, key=key)), 303
    flash(f"report_{step}ed")
    return redirect(url_for("console.report", kind=kind, key=key)), 303
