"""``flask --app bot data purge [--dry-run]``: the retention purge by hand.

The same purge the clock runs daily (``scheduler/retention_jobs.py``), with the
periods from city.yaml ``retention:``. Prints one line per kind with its count;
``--dry-run`` prints what would go now and changes nothing.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

data_cli = AppGroup("data", help="Personal data retention and redaction.")


@data_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Delete or anonymise personal data past its retention period (audited)."""
    from models.base import utcnow
    from models.city import retention_days
    from models.db import db
    from models.retention import purge

    try:
        policy = retention_days()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    with db.unit_of_work() as s:
        summary = purge(s, utcnow(), policy, dry_run=dry_run, actor="cli")
        if not dry_run:
            s.commit()
    width = max(map(len, summary))
    for kind, n in summary.items():
        click.echo(f"{kind:<{width}}  {n}")
    verb = "would be deleted or anonymised (dry run)" if dry_run else "deleted or anonymised"
    click.echo(f"{sum(summary.values())} rows {verb}")


@data_cli.command("redact-scan")
@click.option("--dry-run", is_flag=True, help="Count numbers found; change nothing.")
def redact_scan_command(dry_run: bool) -> None:
    """Redact My Numbers and application ids older rules missed in stored text (audited)."""
    from models.db import db
    from models.redact_scan import scan

    with db.unit_of_work() as s:
        counts = scan(s, dry_run=dry_run, actor="cli")
        s.commit()  # the audit row, also on a dry run
    width = max(map(len, counts))
    for kind, n in counts.items():
        click.echo(f"{kind:<{width}}  {n}")
    verb = "found (dry run, nothing changed)" if dry_run else "redacted"
    click.echo(f"{sum(counts.values())} numbers {verb}")
