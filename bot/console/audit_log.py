"""The audit log viewer (監査ログ) for the general manager and the city: filter, page, CSV.

Looking at the log is itself logged (``view``, ``audit_log``, with the filter
and page), and so is every export (``export``, ``audit_log``, with the row count).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request

from bot.console.blueprint import bp
from bot.console.report import csv_download
from bot.console.security import actor, require
from models.audit import (
    EXPORT_MAX,
    PAGE_SIZE,
    AuditFilter,
    audit,
    audit_actions,
    audit_page,
    audit_rows,
)
from models.db import db
from models.permissions import VIEW_AUDIT

MAX_TEXT = 120  # longer filter text is cut (the columns are no longer)


def _filter() -> AuditFilter:
    args = request.args

    def text(name: str) -> str:
        return (args.get(name) or "").strip()[:MAX_TEXT]

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(args.get(name) or "")
        except ValueError:
            return None

    return AuditFilter(who=text("who"), action=text("action"), target=text("target"),
                       since=day("since"), until=day("until"), why=text("why"))  # fmt: skip


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 else 1


def _query_args(f: AuditFilter) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in vars(f).items() if v not in ("", None)}  # fmt: skip


@bp.route("/audit")
@require(VIEW_AUDIT)
def audit_log():
    f, page = _filter(), _page()
    with db.unit_of_work() as s:
        rows, total = audit_page(s, f, page)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        audit(s, actor(), "view", "audit_log", f"{f.describe()}; page {page}")
        html = render_template(
            "console/audit_log.html", rows=rows, total=total, page=min(page, pages), pages=pages,
            f=f, args=_query_args(f), actions=audit_actions(s), export_max=EXPORT_MAX,
        )  # fmt: skip
        s.commit()
    return html


@bp.route("/audit.csv")
@require(VIEW_AUDIT)
def audit_log_csv():
    f = _filter()
    with db.unit_of_work() as s:
        rows = list(audit_rows(s, f))
        body = render_template("console/audit_log.csv", rows=rows)
        audit(s, actor(), "export", "audit_log", f"{len(rows)} rows; {f.describe()}")
        s.commit()
    return csv_download(body, "audit-log")
