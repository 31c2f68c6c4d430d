"""``flask --app bot report daily|monthly|completion``: a report as .xlsx and .pdf in --out.

    flask --app bot report daily --date 2026-12-05 --out reports/
    flask --app bot report monthly --month 2026-12 --out reports/
    flask --app bot report completion [--period ID] --out reports/

The latest version is written (frozen if checked or submitted, else as the
figures stand now); ``--version N`` writes an earlier one. Each run is audited.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

report_cli = AppGroup("report", help="Reports to the city (Excel and PDF).")


def _write(kind: str, key: str, out_dir: str, version: int | None) -> None:
    from handlers.reports import content as rc
    from handlers.reports import workflow as wf
    from models.audit import audit
    from models.base import utcnow
    from models.db import db

    with db.unit_of_work() as s:
        try:
            produced = wf.produce(s, kind, key, utcnow(), version)
        except rc.UnknownReport as bad:
            raise click.BadParameter(f"no {kind} report {bad}") from bad
        xlsx, pdf = wf.files(s, produced)
        audit(s, "cli", "export", wf.target(kind, key), f"v{produced.meta['version']} xlsx+pdf")
        s.commit()
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for ext, body in (("xlsx", xlsx), ("pdf", pdf)):
        path = folder / wf.filename(kind, key, produced.meta, ext)
        path.write_bytes(body)
        click.echo(f"wrote {path} ({len(body):,} bytes)")


OUT = click.option("--out", "out_dir", default=".", show_default=True, help="folder to write into")
VERSION = click.option("--version", type=int, default=None, help="an earlier version")


@report_cli.command("daily")
@click.option("--date", "day", required=True, help="YYYY-MM-DD (a support day)")
@OUT
@VERSION
def report_daily(day: str, out_dir: str, version: int | None) -> None:
    """The daily report (日次報告書) of one support day."""
    try:
        date.fromisoformat(day)
    except ValueError as bad:
        raise click.BadParameter("YYYY-MM-DD", param_hint="--date") from bad
    _write("daily", day, out_dir, version)


@report_cli.command("monthly")
@click.option("--month", required=True, help="YYYY-MM")
@OUT
@VERSION
def report_monthly(month: str, out_dir: str, version: int | None) -> None:
    """The monthly report (月次報告書) of a calendar month."""
    try:
        date.fromisoformat(month + "-01")
    except ValueError as bad:
        raise click.BadParameter("YYYY-MM", param_hint="--month") from bad
    _write("monthly", month, out_dir, version)


@report_cli.command("completion")
@click.option("--period", "period_id", type=int, default=None,
              help="contract period id (default: the current one)")  # fmt: skip
@OUT
@VERSION
def report_completion(period_id: int | None, out_dir: str, version: int | None) -> None:
    """The completion report (委託業務完了報告書) of a contract period."""
    from models.contracts import current_period
    from models.db import db

    if period_id is None:
        with db.reader() as s:
            period = current_period(s)
            if period is None:
                raise click.ClickException("no contract period")
            period_id = period.id
    _write("completion", str(period_id), out_dir, version)
