"""A report as a print-ready A4 PDF (WeasyPrint, like ``bot/flyer.py``): the Japanese font
embedded, page numbers, the plan chart and the confirmed photos; nothing fetched from
the network (only ``data:`` and ``file:`` URLs)."""

from __future__ import annotations

import base64
from typing import Any


def document(content: dict[str, Any], meta: dict[str, Any], chart: bytes | None = None,
             photos: list[dict[str, str]] = (), diff: list[dict[str, Any]] = ()) -> bytes:  # fmt: skip
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from handlers.reports.fonts import font_paths
    from handlers.reports.render import html

    regular, bold = font_paths()
    page = html(
        "reports/report.html", c=content, meta=meta, photos=list(photos), diff=list(diff),
        chart="data:image/png;base64," + base64.b64encode(chart).decode() if chart else "",
        fonts={"regular": regular.as_uri(), "bold": bold.as_uri()},
    )  # fmt: skip
    fetcher = URLFetcher(allowed_protocols=("data", "file"), fail_on_errors=True)
    return HTML(string=page, url_fetcher=fetcher).write_pdf()
