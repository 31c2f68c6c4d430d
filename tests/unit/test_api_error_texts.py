"""Every error code the staff API can answer has a Japanese text in bookings/api_error.txt.

The codes are found in the source (AST), not listed here, so a new code
without a text fails this test:
- string arguments of ``ApiError(...)``, ``RecordError(...)``, ``CaseError(...)``
  and ``RuleViolation(...)``, and constants they name;
- codes collected into a list (``errors.append(CODE)``, ``return [CODE]``)
  in the modules whose lists become a ``RuleViolation``;
- the refusals of ``bookings.book`` / ``move_booking``, which the schedule
  operations pass on as ``RuleViolation(result.outcome)``.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from handlers.text import render
from models import bookings as bk

ROOT = Path(__file__).resolve().parents[2]
ERROR_CLASSES = {"ApiError", "RecordError", "CaseError", "RuleViolation"}
SOURCES = (
    *sorted((ROOT / "bot" / "api").glob("*.py")),
    *sorted((ROOT / "models").glob("*.py")),
    ROOT / "handlers" / "schedule_ops.py",
    ROOT / "handlers" / "place_ops.py",
    ROOT / "handlers" / "visit_ops.py",
    ROOT / "handlers" / "booking_rules.py",
    ROOT / "handlers" / "defect_ops.py",
    ROOT / "scheduler" / "business_calendar.py",  # validate_visit_window's codes
)
LIST_NAMES = {"errors", "codes"}
BOOKING_REFUSALS = (bk.FULL, bk.ALREADY_BOOKED, bk.CLOSED, bk.SAME_SLOT)


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _codes_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = importlib.import_module(_module_name(path))
    found: set[str] = set()

    def take(arg: ast.expr) -> None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.add(arg.value)
        elif isinstance(arg, ast.Name):
            value = getattr(module, arg.id, None)
            if isinstance(value, str):
                found.add(value)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in ERROR_CLASSES and node.args:
                take(node.args[0])  # the code; later arguments are fields
                if name == "RuleViolation":
                    for arg in node.args[1:]:
                        take(arg)
            elif (
                name == "append"
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in LIST_NAMES
            ):
                take(node.args[0])
        elif isinstance(node, ast.FunctionDef) and node.name.endswith("_errors"):
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and isinstance(ret.value, ast.List):
                    for element in ret.value.elts:
                        take(element)
    return found


def all_codes() -> set[str]:
    codes = set(BOOKING_REFUSALS)
    for path in SOURCES:
        codes |= _codes_in(path)
    return codes


def test_the_scan_finds_the_codes_it_should():
    codes = all_codes()
    # One from each kind of source: API literals, record rules, staffing rules, bookings.
    assert {"unauthorized", "bad_application_id", "staff_double_booked", "full"} <= codes
    assert {"bad_my_number", "not_katakana", "needs_two_workers", "unknown_place"} <= codes


@pytest.mark.parametrize("code", sorted(all_codes()))
def test_every_api_error_code_has_a_japanese_text(code):
    text = render("bookings/api_error", code=code).strip()
    assert text != code, f"no text for {code!r} in templates/messages/bookings/api_error.txt"
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)
