"""``flask --app bot sandbox seed``: a demo city to try, made through the console's and the
API's own operations; a LINE booking on it lands in the console's day schedule."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.sandbox.seed import demo_city
from models import events as ev
from models.approvals import EVENT, PLACE, Approval
from models.audit import AuditEntry
from models.bookings import Booking
from models.contracts import current_period
from models.db import db
from models.places import Place
from models.staff import Staff, staffing_errors
from scheduler.business_calendar import JST, is_year_end_closure
from tests.conftest import build_app
from tests.console_helpers import csrf
from tests.line_helpers import Resident, quick_values, texts

ACCOUNT = re.compile(r"^\s+(demo-\S+)\s+(\S+)\s+(\S+)$", re.M)


def _seed(app, *args: str):
    return app.test_cli_runner().invoke(args=["sandbox", "seed", *args])


def _passwords(output: str) -> dict[str, str]:
    return {login: password for login, _role, password in ACCOUNT.findall(output)}


def test_the_seed_fills_an_empty_database_with_a_marked_approved_open_demo(app):
    result = _seed(app)
    assert result.exit_code == 0, result.output
    passwords = _passwords(result.output)
    assert set(passwords) == {"demo-manager", "demo-site", "demo-worker", "demo-city"}
    assert all(len(p) >= 10 for p in passwords.values())
    marker = demo_city()["marker"]
    now = datetime.now(JST)
    with db.reader() as s:
        places = s.scalars(select(Place)).all()
        assert places and all(p.demo and p.name.startswith(marker) for p in places)
        assert all(p.approved_by_city and p.city_approver and p.approved_on for p in places)
        assert all(p.area and len(p.postal_code) == 7 for p in places)
        venues = [p for p in places if p.kind == "venue"]
        assert venues and all(p.opens and p.closes for p in venues)
        events = s.scalars(select(ev.SupportEvent)).all()
        days = {e.starts_at.astimezone(JST).date() for e in events}
        assert all(e.status == ev.OPEN and e.kind == ev.VENUE for e in events)
        assert any(d.weekday() >= 5 for d in days) and any(d.weekday() < 5 for d in days)
        assert min(days) > now.date() and max(days) <= now.date() + timedelta(days=21)
        assert not any(is_year_end_closure(d) for d in days)
        assert all(not staffing_errors(s, e) for e in events)
        # Every approval recorded, with who entered it: places and events.
        approvals = s.scalars(select(Approval)).all()
        assert {a.target_kind for a in approvals} == {PLACE, EVENT}
        event_approvals = [a for a in approvals if a.target_kind == EVENT]
        assert len(event_approvals) == len(events)
        assert all(a.login == "demo-city" and a.not_combined for a in event_approvals)
        staff = s.scalars(select(Staff)).all()
        assert all(p.demo and p.pledge_signed_on and p.name.startswith(marker) for p in staff)
        period = current_period(s)
        assert period is None or period.general_manager_id is not None
        assert s.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "demo_seed")) == 1  # fmt: skip


def test_a_resident_books_a_demo_venue_on_line_and_staff_see_it_in_the_day_schedule(
    live, new_user_id
):
    result = _seed(live.app)
    password = _passwords(result.output)["demo-manager"]
    resident = Resident(live, new_user_id)
    messages = resident.choose("menu:venue")
    assert "area:chofu" in quick_values(messages)
    resident.choose("area:chofu")
    messages = resident.choose("purpose:first")
    assert demo_city()["marker"] in str(messages)  # the carousel shows the demo marker
    event_value = next(v for v in quick_values(messages) if v.startswith("ev:"))
    messages = resident.choose(event_value)
    slot_value = next(v for v in quick_values(messages) if v.startswith("slot:"))
    for step in (slot_value, "n:2", "skip"):
        resident.choose(step)
    messages = resident.choose("yes")
    with db.reader() as s:
        booking = s.scalars(select(Booking)).one()
        code, day = booking.code, booking.event.starts_at.astimezone(JST).date()
    assert code in texts(messages)
    assert all(r["status"] == 200 for r in resident.requests())
    console = live.app.test_client()
    token = csrf(console)
    console.post("/console/login", data={"login": "demo-manager", "password": password,
                                         "csrf_token": token})  # fmt: skip
    page = console.get(f"/console/schedule?view=day&date={day.isoformat()}")
    assert page.status_code == 200
    assert re.search(r"<td>2/\d+</td>", page.get_data(as_text=True))  # the booking's 2 people


def test_the_seed_refuses_a_database_with_real_data(app):
    with db.unit_of_work() as s:
        s.add(Place(kind="venue", name="本物の会場", approved_by_city=True))
        s.commit()
    for args in ((), ("--reset",)):
        result = _seed(app, *args)
        assert result.exit_code == 1
        assert "not the demo" in result.output and "Traceback" not in result.output
    with db.reader() as s:
        assert s.scalar(select(func.count(Place.id))) == 1


def test_the_seed_refuses_outside_sandbox_mode(database_url):
    app = build_app(database_url, LINE_CHANNEL_SECRET="s", LINE_CHANNEL_ACCESS_TOKEN="t",
                    SECRET_KEY="k")  # fmt: skip
    try:
        result = _seed(app)
    finally:
        app.extensions["event_processor"].shutdown()
    assert result.exit_code == 1 and "only in sandbox mode" in result.output
    with db.reader() as s:
        assert s.scalar(select(func.count(Place.id))) == 0


def test_seeding_twice_changes_nothing_and_reset_starts_over(app, new_user_id):
    first = _passwords(_seed(app).output)
    with db.reader() as s:
        counts = s.scalar(select(func.count(ev.Slot.id)))
    again = _seed(app)
    assert again.exit_code == 0 and "already there" in again.output
    assert "nothing added" in _seed(app, "--if-empty").output
    reset = _seed(app, "--reset")
    assert reset.exit_code == 0, reset.output
    second = _passwords(reset.output)
    assert set(second) == set(first) and second != first
    with db.reader() as s:
        assert s.scalar(select(func.count(ev.Slot.id))) == counts
        assert s.scalar(select(func.count(Staff.id))) == len(demo_city()["accounts"]) + len(
            demo_city()["staff"])  # fmt: skip


@pytest.mark.parametrize("args", [(), ("--if-empty",)])
def test_first_start_seeds_only_an_empty_database(app, args):
    result = _seed(app, *args)
    assert result.exit_code == 0 and "demo city:" in result.output
    assert "demo-manager" in result.output
