"""Every console route, signed in as the general manager on the demo city, with
hostile path values and hostile form fields: a clear 4xx or a normal page,
never a 5xx, and the demo data still whole afterwards."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from models.bookings import Booking
from models.db import db
from models.events import SupportEvent
from models.places import Place
from tests.console_helpers import csrf, login

ACCOUNT = re.compile(r"^\s+(demo-manager)\s+(\S+)\s+(\S+)$", re.M)
INPUT_NAMES = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.I)
INT_VALUES = ("0", "1", "999999999", "9223372036854775808")
STR_VALUES = ("..%2F..%2Fetc", "%00", "'; DROP TABLE places; --", "あ" * 300)
FORM_VALUES = (
    "",
    "-1",
    "9" * 40,
    "2026-02-30",
    "25:99",
    "<script>alert(1)</script>",
    "\x00\x1f",
    "'; DROP TABLE residents; --",
    "１２３４",
    "あ" * 5000,
)


def _counts() -> tuple[int, int, int]:
    with db.reader() as s:
        return (
            s.scalar(select(func.count(Place.id))),
            s.scalar(select(func.count(SupportEvent.id))),
            s.scalar(select(func.count(Booking.id))),
        )


def _paths(app) -> list[tuple[str, set[str]]]:
    """Concrete URLs for every console rule, each converter given hostile values."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/console") or rule.endpoint == "static":
            continue
        args = sorted(rule.arguments)
        combos = [{}]
        for arg in args:
            kind = type(rule._converters[arg]).__name__  # noqa: SLF001 - the converter kind
            values = INT_VALUES if kind == "IntegerConverter" else STR_VALUES
            combos = [{**c, arg: v} for c in combos for v in values[:2]] if combos else []
        for combo in combos[:4]:
            url = rule.rule
            for arg, value in combo.items():
                url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", value, url)
            found.append((url, set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
        if args:  # also the first real id, so forms with fields are reached
            url = rule.rule
            for arg in args:
                url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", "1", url)
            found.append((url, set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return found


def test_no_console_route_answers_hostile_input_with_a_5xx(app):
    seeded = app.test_cli_runner().invoke(args=["sandbox", "seed"])
    assert seeded.exit_code == 0, seeded.output
    password = ACCOUNT.search(seeded.output).group(3)
    client = app.test_client()
    assert login(client, "demo-manager", password).status_code == 302
    before = _counts()
    token = csrf(client, "/console/inbox")
    failures, tried, statuses = [], 0, {}
    for url, methods in _paths(app):
        if url.startswith("/console/logout") or url.startswith("/console/password"):
            continue  # would end the session the sweep runs in
        if "GET" in methods:
            resp = client.get(url)
            tried += 1
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
            if resp.status_code >= 500:
                failures.append(f"GET {url} → {resp.status_code}")
            fields = set(INPUT_NAMES.findall(resp.get_data(as_text=True))) - {"csrf_token"}
        else:
            fields = set()
        if "POST" not in methods:
            continue
        for i, value in enumerate(FORM_VALUES):
            data = {name: value for name in fields} or {"x": value}
            data["csrf_token"] = token if i else "forged"
            resp = client.post(url, data=data)
            tried += 1
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
            if resp.status_code >= 500:
                failures.append(f"POST {url} {value[:20]!r} → {resp.status_code}")
    # The sweep reached real pages and real validation, not only 404s.
    assert statuses.get(200, 0) > 10 and statuses.get(422, 0) > 20, statuses
    assert tried > 200
    assert not failures, "\n".join(failures)
    places, events, bookings = _counts()
    # Hostile posts may be refused or, where valid, archive/approve; never delete.
    assert places == before[0] and events >= before[1] and bookings == before[2]
