"""Report versions: draft → checked → submitted (frozen), and new versions after edits.

- ``ensure_draft``: the report's latest version, or version 1 as a draft.
- ``check``: a site manager or general manager checks a draft; its content is
  frozen into the version then (what they checked is what goes to the city).
- ``submit``: a checked version is marked as submitted to the city on a date.
- ``figures_changed``: called whenever the figures of a day change. A checked
  (unsubmitted) version goes back to draft (it must be checked again); a
  submitted one stays as it was and a new draft version is opened, whose page
  and files show the difference from the submitted one. Never a silent change.
- ``produce``: the content, the files' metadata and the difference for one
  version (the frozen content if it has one, else built now).
Every step writes an audit row (``report:<kind>:<key>``). No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.reports import content as rc
from models.audit import audit
from models.contracts import period_for
from models.reports import (
    CHECKED,
    COMPLETION,
    DAILY,
    DRAFT,
    MONTHLY,
    SUBMITTED,
    ReportVersion,
    latest,
    versions,
)
from models.staff import GENERAL_MANAGER, SITE_MANAGER

CHECKER_ROLES = (GENERAL_MANAGER, SITE_MANAGER)
NOT_DRAFT, NOT_CHECKED, NOT_CHECKER = "not_draft", "not_checked", "not_checker"
BAD_DATE = "bad_submitted_on"


class WorkflowRefused(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def target(kind: str, key: str) -> str:
    return f"report:{kind}:{key}"


def keys_for_day(session: Session, day: date) -> list[tuple[str, str]]:
    """The reports a day's figures appear in: its daily, monthly and completion reports."""
    keys = [(DAILY, day.isoformat()), (MONTHLY, day.strftime("%Y-%m"))]
    period = period_for(session, day)
    if period is not None:
        keys.append((COMPLETION, str(period.id)))
    return keys


def ensure_draft(session: Session, kind: str, key: str, actor: str) -> ReportVersion:
    found = latest(session, kind, key)
    if found is not None:
        return found
    row = ReportVersion(kind=kind, key=key, version=1, status=DRAFT, created_by=actor)
    session.add(row)
    session.flush()
    audit(session, actor, "draft", target(kind, key), "v1")
    return row


def check(session: Session, kind: str, key: str, actor: str, role: str, now: datetime):
    if role not in CHECKER_ROLES:
        raise WorkflowRefused(NOT_CHECKER)
    row = ensure_draft(session, kind, key, actor)
    if row.status != DRAFT:
        raise WorkflowRefused(NOT_DRAFT)
    from handlers.reports.photos import confirmed

    figures = rc.build(session, kind, key, now)
    figures["photo_ids"] = [p.id for p in confirmed(session, figures)]  # the photos checked
    row.figures = figures
    row.status, row.checked_by, row.checked_at = CHECKED, actor, now
    audit(session, actor, "check", target(kind, key), f"v{row.version}")
    return row


def submit(session: Session, kind: str, key: str, actor: str, role: str, on: date | None):
    if role not in CHECKER_ROLES:
        raise WorkflowRefused(NOT_CHECKER)
    if on is None:
        raise WorkflowRefused(BAD_DATE)
    row = latest(session, kind, key)
    if row is None or row.status != CHECKED:
        raise WorkflowRefused(NOT_CHECKED)
    row.status, row.submitted_by, row.submitted_on = SUBMITTED, actor, on
    audit(session, actor, "submit", target(kind, key), f"v{row.version} {on.isoformat()}")
    return row


def figures_changed(session: Session, day: date, actor: str) -> list[ReportVersion]:
    """A day's figures changed: reopen checked versions, version submitted ones."""
    touched = []
    for kind, key in keys_for_day(session, day):
        row = latest(session, kind, key)
        if row is None or row.status == DRAFT:
            continue
        if row.status == CHECKED:
            row.status, row.figures, row.checked_by, row.checked_at = DRAFT, None, None, None
            audit(session, actor, "reopen", target(kind, key), f"v{row.version}")
        else:
            row = ReportVersion(kind=kind, key=key, version=row.version + 1, status=DRAFT,
                                created_by=actor)  # fmt: skip
            session.add(row)
            audit(session, actor, "new_version", target(kind, key), f"v{row.version}")
        touched.append(row)
    session.flush()
    return touched


@dataclass
class Produced:
    content: dict[str, Any]
    meta: dict[str, Any]
    diff: list[dict[str, Any]] = field(default_factory=list)
    history: list[ReportVersion] = field(default_factory=list)


def _meta(row: ReportVersion | None) -> dict[str, Any]:
    if row is None:
        return {"version": 1, "status": DRAFT, "submitted_on": None, "checked_by": None}
    return {
        "version": row.version, "status": row.status, "checked_by": row.checked_by,
        "submitted_on": row.submitted_on.isoformat() if row.submitted_on else None,
    }  # fmt: skip


def produce(session: Session, kind: str, key: str, now: datetime, version: int | None = None):
    """One version's content (frozen, or as it stands now) and its difference from the last
    submitted version before it. ``UnknownReport`` for a bad key."""
    rc.span_of(session, kind, key)  # raises UnknownReport
    history = versions(session, kind, key)
    row = next((v for v in history if v.version == version), None) if version else (
        history[0] if history else None)  # fmt: skip
    if version and row is None and (history or version != 1):  # v1 of a report not drafted yet
        raise rc.UnknownReport(f"{key} v{version}")
    content = row.figures if row is not None and row.figures else rc.build(session, kind, key, now)
    before = next((v for v in history if v.status == SUBMITTED and row is not None
                   and v.version < row.version and v.figures), None)  # fmt: skip
    diff = rc.differences(before.figures, content) if before else []
    return Produced(content, _meta(row), diff, history)


def files(session: Session, produced: Produced) -> tuple[bytes, bytes]:
    """(xlsx, pdf) of a produced report, with the chart and the confirmed photos."""
    from handlers.reports import photos as ph
    from handlers.reports.chart import progress_png
    from handlers.reports.pdf import document
    from handlers.reports.render import labels
    from handlers.reports.xlsx import workbook

    words = labels()
    c = produced.content
    chart = progress_png(c["plan"], words) if c.get("plan") else None
    pics = ph.confirmed(session, c)
    places = {r["event_id"]: f"{r['date']} {r['place']}" for r in c["events"]}
    pdf_photos = [{"uri": ph.data_uri(p), "caption": ph.caption(p),
                   "label": places.get(p.event_id, "")} for p in pics]  # fmt: skip
    xlsx = workbook(c, words, produced.meta, chart=chart, photos=pics)
    pdf = document(c, produced.meta, chart=chart, photos=pdf_photos, diff=produced.diff)
    return xlsx, pdf


def filename(kind: str, key: str, meta: dict[str, Any], ext: str) -> str:
    return f"report-{kind}-{key}-v{meta['version']}.{ext}"


CHECKED_STATUSES = (CHECKED, SUBMITTED)
__all__ = ["MONTHLY", "check", "submit", "produce", "files", "figures_changed", "ensure_draft"]
