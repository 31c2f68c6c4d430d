"""A city to try: the sandbox's demo data (``flask --app bot sandbox seed``).

Made through the same operations as the console and the staff API, so every
rule holds and every step is audited: places with the city's approval
(``handlers.place_ops``), venue events laid out in slots, staffed, approved
by the demo city official (approval rows with who and when, the
not-combined confirmation) and opened (``handlers.schedule_ops``); console
accounts like ``flask --app bot staff create``; the general manager and site
managers appointed to the current contract period
(``handlers.contract_periods``). The data is ``data/demo_city.yaml``; every
name carries its marker (【デモ】) and the rows ``demo = true``.

Safety: only in sandbox mode (no LINE or Twilio credentials), and never on
a database holding anything that is not demo data. "Real data" is a place or
a staff member not marked demo, or — before any seeding — any resident or
event. ``reset`` deletes every row of every table (the database then holds
only the demo and what was done while trying it) and seeds again; the
contract periods are re-read from city.yaml as the migrations do.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from handlers import contract_periods as cp
from handlers import place_ops
from handlers import schedule_ops as ops
from models import events as ev
from models.accounts import MIN_PASSWORD_LENGTH, create_account
from models.audit import audit
from models.base import Base
from models.contracts import current_period, seed_from_city
from models.places import Place
from models.residents import Resident
from models.staff import SITE_MANAGER, WORKER, Staff, overlapping
from scheduler.business_calendar import JST, is_year_end_closure

DATA = Path(__file__).resolve().parent / "data" / "demo_city.yaml"
SEEDER = "sandbox:seed"

SEEDED, ALREADY, NOT_EMPTY = "seeded", "already_seeded", "not_empty"


class SeedRefused(Exception):
    """Why the seed will not touch this database (one line for the command line)."""


@dataclass
class SeedResult:
    outcome: str
    passwords: dict[str, tuple[str, str]] = field(default_factory=dict)  # login: (role, pw)
    places: int = 0
    events: int = 0
    slots: int = 0


@lru_cache(maxsize=1)
def demo_city() -> dict[str, Any]:
    with open(DATA, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _count(session: Session, query) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def state(session: Session) -> dict[str, int]:
    """How many demo and real places and staff, and residents and events at all."""
    return {
        "demo": _count(session, select(Place.id).where(Place.demo.is_(True)))
        + _count(session, select(Staff.id).where(Staff.demo.is_(True))),
        "real": _count(session, select(Place.id).where(Place.demo.is_(False)))
        + _count(session, select(Staff.id).where(Staff.demo.is_(False))),
        "residents": _count(session, select(Resident.id)),
        "events": _count(session, select(ev.SupportEvent.id)),
    }


def holds_real_data(found: dict[str, int]) -> bool:
    return found["real"] > 0 or (found["demo"] == 0 and (found["residents"] or found["events"]))


def is_empty(found: dict[str, int]) -> bool:
    return not any(found.values())


def wipe(session: Session) -> None:
    """Every row of every table, children first; then city.yaml's contract periods."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
    session.flush()
    seed_from_city(session)


def seed(session: Session, now: datetime, *, reset: bool = False, if_empty: bool = False,
         password=None) -> SeedResult:  # fmt: skip
    """Fill the database with the demo city; the caller commits.

    ``if_empty``: leave any database that is not empty alone (``NOT_EMPTY``),
    for ``scripts/run``'s first start. ``password``: a function making each
    account's password (tests); random by default.
    """
    found = state(session)
    if if_empty and not is_empty(found):
        return SeedResult(NOT_EMPTY)
    if holds_real_data(found):
        raise SeedRefused("real_data")
    if found["demo"] and not reset:
        return SeedResult(ALREADY)
    if reset:
        wipe(session)
    return _fill(session, now, password or _password)


def _password(_login: str) -> str:
    return secrets.token_urlsafe(12)[:14]  # 14 characters, ~84 bits


def _fill(session: Session, now: datetime, password) -> SeedResult:
    data, result = demo_city(), SeedResult(SEEDED)
    pledge = now.astimezone(JST).date() - timedelta(days=30)
    people: dict[str, list[Staff]] = {}
    logins: dict[int, str] = {}
    for item in data["accounts"]:
        secret = password(item["login"])
        if len(secret) < MIN_PASSWORD_LENGTH:
            raise ValueError("a console password needs at least 10 characters")
        account = create_account(
            session, login=item["login"], password=secret, name=item["name"], role=item["role"],
            pledge_signed_on=pledge, approved_by_city=bool(item.get("approved")),
        )  # fmt: skip
        account.staff.demo = True
        audit(session, SEEDER, "create_account", f"staff:{account.staff_id}", item["role"])
        result.passwords[account.login] = (item["role"], secret)
        logins[account.staff_id] = account.login
        people.setdefault(item["role"], []).append(account.staff)
    for item in data["staff"]:
        person = Staff(name=item["name"], role=item["role"], pledge_signed_on=pledge,
                       approved_by_city=bool(item.get("approved")), active=True, demo=True)  # fmt: skip
        session.add(person)
        session.flush()
        audit(session, SEEDER, "create", f"staff:{person.id}", item["role"])
        people.setdefault(item["role"], []).append(person)
    session.flush()
    _appoint(session, people)
    city_official = people["city_official"][0]
    by_city = ops.Actor(f"staff:{city_official.id}", staff_id=city_official.id,
                        login=logins[city_official.id])  # fmt: skip
    seeder = ops.Actor(SEEDER)
    places = _places(session, seeder, by_city, data, now)
    result.places = len(places)
    teams = list(zip(people[SITE_MANAGER], people[WORKER], strict=False))
    for day, item in _venue_days(data, now):
        event = _event(session, seeder, by_city, places[item["place"]], day, item, data, teams, now)
        result.events += 1
        result.slots += len(event.slots)
    audit(session, SEEDER, "demo_seed", "database",
          f"{result.places} places, {result.events} events")  # fmt: skip
    return result


def _appoint(session: Session, people: dict[str, list[Staff]]) -> None:
    """The demo general manager and site managers appointed to the current period."""
    period = current_period(session)
    if period is None:
        return
    f = cp.form_of(period)
    f.general_manager_id = people["general_manager"][0].id
    f.site_manager_ids = [p.id for p in people[SITE_MANAGER] if p.approved_by_city]
    cp.update_period(session, SEEDER, period, f)


def _places(session, seeder, by_city, data, now) -> dict[str, Place]:
    today = now.astimezone(JST).date()
    approval = place_ops.CityApproval(data["approval"]["approver"], today,
                                      data["approval"]["reference"])  # fmt: skip
    out = {}
    for item in data["places"]:
        values = {f: item.get(f) for f in place_ops.PLACE_FIELDS}
        values["note"] = data["note"]
        place = place_ops.create_place(session, seeder, item["kind"], values, now, demo=True)
        place_ops.approve_place(session, by_city, place, approval, now)
        out[item["key"]] = place
    return out


def _venue_days(data, now) -> list[tuple[date, dict]]:
    """(day, schedule entry) from tomorrow over ``days_ahead`` days, outside the closure."""
    first = now.astimezone(JST).date() + timedelta(days=1)
    days = [first + timedelta(days=i) for i in range(int(data["days_ahead"]))]
    return [(d, item) for d in days if not is_year_end_closure(d)
            for item in data["schedule"] if item["weekday"] == d.weekday()]  # fmt: skip


def _event(session, seeder, by_city, place, day, item, data, teams, now) -> ev.SupportEvent:
    """One venue day: planned with its slots, staffed, approved by the city, opened."""
    plan = ops.EventPlan(ev.VENUE, place.id,
                         datetime.combine(day, time.fromisoformat(item["start"]), JST),
                         datetime.combine(day, time.fromisoformat(item["end"]), JST))  # fmt: skip
    grid = ops.SlotGrid(int(data["slot_minutes"]), int(item["capacity"]))
    event = ops.create_event(session, seeder, plan, now, note=data["note"], grid=grid)
    manager, worker = next(
        team for team in teams
        if not any(overlapping(session, p.id, plan.starts_at, plan.ends_at, event.id) for p in team)
    )  # fmt: skip
    ops.assign_staff(session, seeder, event, manager.id, SITE_MANAGER)
    ops.assign_staff(session, seeder, event, worker.id, WORKER)
    ops.change_event_status(session, by_city, event, ev.APPROVED, now, not_combined=True)
    ops.change_event_status(session, seeder, event, ev.OPEN, now)
    session.flush()
    session.refresh(event)
    return event
