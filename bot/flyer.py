"""The month's flyer as a print-ready A4 PDF (issue 14).

``flask --app bot flyer --month YYYY-MM --out DIR`` writes DIR/flyer-YYYY-MM.pdf;
the console's button (/console/flyer.pdf) sends the same file. Large, plain
type for elderly readers (the body at 16 pt, dates at 20 pt), the month's
venue dates, how to book (the LINE QR code and the phone number, with the
hours) and how the card is collected. WeasyPrint, like the reports: the
Japanese font is embedded and nothing is fetched from the network.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app, render_template
from flask.cli import with_appcontext

from handlers import public_events as pe
from models.base import utcnow


def flyer_pdf(session, month: date, basic_id: str | None) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from handlers.reports.fonts import font_paths

    regular, bold = font_paths()
    url = pe.add_friend_url(basic_id)
    html = render_template(
        "public/flyer.html", month=month, events=pe.in_month(session, month, utcnow()),
        add_friend_url=url, qr=pe.qr_svg(url) if url else "",
        fonts={"regular": regular.as_uri(), "bold": bold.as_uri()},
    )  # fmt: skip
    fetcher = URLFetcher(allowed_protocols=("data", "file"), fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


@click.command("flyer")
@with_appcontext
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--out", "out_dir", default=".", show_default=True, help="folder to write into")
def flyer_command(month: str, out_dir: str) -> None:
    """Write the month's venue flyer as an A4 PDF."""
    from bot.cli_schedule import month_span
    from bot.public import line_basic_id
    from models.db import db
    from scheduler.business_calendar import JST

    start, _end = month_span(month)
    with db.reader() as s:
        pdf = flyer_pdf(s, start.astimezone(JST).date(), line_basic_id(current_app))
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"flyer-{month}.pdf"
    path.write_bytes(pdf)
    click.echo(f"wrote {path} ({len(pdf):,} bytes)")
