"""A report as an Excel workbook (openpyxl): plain values a clerk can edit, Japanese headings.

Sheets: 集計 (who, when, the totals), 実施回 (one row per event and a total
row), and for the monthly and completion reports 計画, 問い合わせ and 不備;
写真 when there are confirmed photos. Values, not formulas: the file reads the
same in any spreadsheet and in tests.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from handlers.reports.content import SUMMED
from models.event_results import CONSULT_CATEGORIES, TURNED_AWAY_REASONS

BOLD = Font(bold=True)
HEAD = PatternFill("solid", fgColor="DDE6F0")
EVENT_COLS = ("date", "kind", "place", "time", "online_apps", "paper_apps", "applications",
              "people_served", "walk_ins", "consultations_total", "defects_on_spot",
              "turned_away_total", "staff", "basis", "remarks")  # fmt: skip


def _header(ws, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, 1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font, cell.fill = BOLD, HEAD


def _widths(ws, widths: dict[int, int]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _summary(ws, c: dict[str, Any], L: dict[str, Any], meta: dict[str, Any]) -> None:
    ws.append([f"{L['title'][c['kind']]}({c['program']})"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([L["city"], c["city"]])
    ws.append([L["contractor"], c["contractor"]])
    ws.append([L["period"], f"{c['from']}{L['to_sep']}{c['to']}" if c["from"] != c["to"] else c["from"]])
    if c.get("period"):
        ws.append([L["contract_period"], c["period"]])
    ws.append([L["version"], meta.get("version", 1), L["status"][meta.get("status", "draft")]])
    if meta.get("submitted_on"):
        ws.append([L["submitted_on"], meta["submitted_on"]])
    ws.append([L["generated_at"], c["generated_at"]])
    ws.append([])
    t = c["totals"]
    _header(ws, ws.max_row + 1, [L["totals_heading"], L["total"]])
    ws.append([L["summary"]["events"], t["events"]])
    ws.append([L["kind"]["visit"], t["events_visit"]])
    ws.append([L["kind"]["venue"], t["events_venue"]])
    ws.append([L["summary"]["events_unrecorded"], t["events_unrecorded"]])
    for name in ("online_apps", "paper_apps", "applications", "people_served", "walk_ins",
                 "consultations_total", "defects_on_spot", "turned_away_total"):  # fmt: skip
        ws.append([L["col"][name], t[name]])
    ws.append([])
    _header(ws, ws.max_row + 1, [L["consult_heading"], L["total"]])
    for cat in CONSULT_CATEGORIES:
        ws.append([L["consult"][cat], t["consultations"][cat]])
    ws.append([])
    _header(ws, ws.max_row + 1, [L["away_heading"], L["total"]])
    for reason in TURNED_AWAY_REASONS:
        ws.append([L["away"][reason], t["turned_away"][reason]])
    _widths(ws, {1: 34, 2: 28, 3: 14})


def _events(ws, c: dict[str, Any], L: dict[str, Any]) -> None:
    _header(ws, 1, [L["col"][name] for name in EVENT_COLS])
    for r in c["events"]:
        ws.append([
            r["date"], L["kind"][r["kind"]], r["place"], f"{r['start']}{L['to_sep']}{r['end']}",
            r["online_apps"], r["paper_apps"], r["applications"], r["people_served"],
            r["walk_ins"], r["consultations_total"], r["defects_on_spot"],
            r["turned_away_total"], r["staff"],
            L["recorded"] if r["recorded"] else L["not_recorded"], r["remarks"],
        ])  # fmt: skip
    t = c["totals"]
    ws.append([L["total"], "", "", "", t["online_apps"], t["paper_apps"], t["applications"],
               t["people_served"], t["walk_ins"], t["consultations_total"], t["defects_on_spot"],
               t["turned_away_total"], t["staff"], "", ""])  # fmt: skip
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for row in ws.iter_rows(min_row=2, min_col=15, max_col=15):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    _widths(ws, {1: 12, 2: 12, 3: 24, 4: 13, 14: 20, 15: 40})


def _plan(ws, c: dict[str, Any], L: dict[str, Any], chart: bytes | None) -> None:
    P = L["plan"]
    ws.append([f"{L['plan_heading']}({c['to']} {P['until']})"])
    ws["A1"].font = BOLD
    _header(ws, 2, [P["kind"], P["events"], P["target_events"], P["applicants"],
                    P["booking_basis"], P["target_applicants"], P["met"]])  # fmt: skip
    for kind, k in c["plan"]["kinds"].items():
        ws.append([L["kind"][kind], k["events_done"], k["target_events"], k["applicants_done"],
                   k["applicants_booking_basis"], k["target_applicants"],
                   P["met_yes"] if k["met"] else P["met_no"]])  # fmt: skip
    if chart:
        from openpyxl.drawing.image import Image

        ws.add_image(Image(io.BytesIO(chart)), "A6")
    _widths(ws, {1: 14, 2: 12, 3: 12, 4: 12, 5: 14, 6: 12, 7: 10})


def _inquiries(ws, c: dict[str, Any], L: dict[str, Any]) -> None:
    Q = L["inquiry"]
    _header(ws, 1, [Q["category"], Q["opened"], Q["closed"], Q["open"]])
    for cat, n in c["inquiries"]["by_category"].items():
        ws.append([Q["categories"][cat], n["opened"], n["closed"], n["open"]])
    inq = c["inquiries"]
    ws.append([L["total"], inq["total"], inq["closed"], inq["total"] - inq["closed"]])
    _widths(ws, {1: 14, 2: 10, 3: 12, 4: 10})


def _defects(ws, c: dict[str, Any], L: dict[str, Any]) -> None:
    D, d = L["defect"], c["defects"]
    reasons = c["defect_reasons"]
    _header(ws, 1, [D["status"], *[c["defect_reason_labels"][r] for r in reasons], L["total"]])
    for status, by_reason in d["by_status_and_reason"].items():
        ws.append([D["statuses"].get(status, status), *[by_reason.get(r, 0) for r in reasons],
                   d["by_status"].get(status, 0)])  # fmt: skip
    ws.append([L["total"], *[d["by_reason"].get(r, 0) for r in reasons], d["total"]])
    _widths(ws, {1: 20})


def _photos(ws, photos: list[Any], L: dict[str, Any]) -> None:
    from openpyxl.drawing.image import Image

    from handlers.reports.photos import caption

    row = 1
    for photo in photos:
        ws.cell(row=row, column=1, value=caption(photo))
        image = Image(io.BytesIO(photo.image))
        scale = min(1.0, 480 / max(photo.width or 480, 1))
        image.width, image.height = int((photo.width or 480) * scale), int((photo.height or 360) * scale)
        ws.add_image(image, f"A{row + 1}")
        row += 2 + image.height // 20


def workbook(content: dict[str, Any], words: dict[str, Any], meta: dict[str, Any],
             chart: bytes | None = None, photos: list[Any] = ()) -> bytes:  # fmt: skip
    """The .xlsx file's bytes."""
    S = words["sheets"]
    wb = Workbook()
    _summary(wb.active, content, words, meta)
    wb.active.title = S["summary"]
    _events(wb.create_sheet(S["events"]), content, words)
    if content.get("plan"):
        _plan(wb.create_sheet(S["plan"]), content, words, chart)
    if content.get("inquiries"):
        _inquiries(wb.create_sheet(S["inquiries"]), content, words)
    if content.get("defects"):
        _defects(wb.create_sheet(S["defects"]), content, words)
    if photos:
        _photos(wb.create_sheet(S["photos"]), list(photos), words)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = ["workbook", "SUMMED"]
