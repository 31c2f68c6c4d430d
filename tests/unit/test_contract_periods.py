"""Contract periods: seeded from city.yaml, one current, never overlapping; plan progress
belongs to a named period and earlier periods stay readable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from handlers import contract_periods as cp
from models import contracts as ct
from models.audit import AuditEntry
from models.events import DONE, VISIT, SupportEvent
from models.plan import progress
from models.staff import GENERAL_MANAGER, SITE_MANAGER, WORKER
from tests.booking_factories import facility, jst, person
from tests.unit.booking_driver import booking_session  # noqa: F401

FORM = {
    "name": "令和9年度", "starts_on": "2027-04-01", "ends_on": "2028-03-31",
    "visit_events": "40", "visit_applicants": "300", "venue_events": "12",
    "venue_applicants": "240",
}  # fmt: skip


def form(**changes) -> MultiDict:
    data = MultiDict({**FORM, **{k: v for k, v in changes.items() if k != "site_manager_ids"}})
    for staff_id in changes.get("site_manager_ids", []):
        data.add("site_manager_ids", str(staff_id))
    return data


def create(session, **changes):
    f, errors = cp.parse_form(form(**changes))
    assert errors == {}
    return cp.create_period(session, "staff:yamada", f)


def named(session, name: str) -> ct.ContractPeriod:
    found = ct.find_by_name(session, name)
    assert found is not None
    return found


def test_city_yaml_seeds_the_specifications_period_and_its_renewal(session):
    periods = [(p.name, p.starts_on, p.ends_on) for p in ct.list_periods(session)]
    assert periods == [
        ("令和8年度", date(2026, 4, 1), date(2027, 3, 31)),
        ("令和7年度", date(2025, 4, 1), date(2026, 3, 31)),  # 令和8年3月31日
    ]
    first = named(session, "令和7年度")
    assert (first.visit_events, first.visit_applicants) == (40, 300)
    assert (first.venue_events, first.venue_applicants) == (12, 240)


def test_seeding_again_adds_nothing_and_keeps_what_staff_changed(session):
    period = named(session, "令和8年度")
    period.ends_on = date(2027, 2, 28)
    session.flush()
    assert ct.seed_from_city(session) == []
    assert named(session, "令和8年度").ends_on == date(2027, 2, 28)


def test_the_current_period_is_the_one_containing_the_day(session):
    assert ct.current_period(session, on=date(2026, 12, 1)).name == "令和8年度"
    assert ct.current_period(session, on=date(2026, 3, 31)).name == "令和7年度"
    # An instant counts by its Tokyo day: 2026-03-31 15:30 UTC is April 1 in Tokyo.
    assert ct.current_period(session, on=datetime(2026, 3, 31, 15, 30, tzinfo=UTC)).name == "令和8年度"
    assert ct.period_for(session, date(2026, 4, 1)).name == "令和8年度"


def test_between_contracts_the_last_period_stays_current_and_before_all_the_first(session):
    assert ct.period_for(session, date(2027, 5, 1)) is None
    assert ct.current_period(session, on=date(2027, 5, 1)).name == "令和8年度"
    assert ct.current_period(session, on=date(2024, 1, 1)).name == "令和7年度"
    session.execute(delete(ct.ContractPeriod))
    assert ct.current_period(session, on=date(2026, 12, 1)) is None


def test_a_period_ends_at_midnight_after_its_last_day_in_tokyo(session):
    start, end = named(session, "令和7年度").bounds()
    assert start == jst(2025, 4, 1, 0)
    assert end == jst(2026, 4, 1, 0)


def test_plan_progress_belongs_to_a_named_period_and_earlier_ones_stay_readable(session):
    place = facility(session)
    for day in (jst(2026, 3, 10), jst(2026, 3, 31, 15), jst(2026, 4, 2)):
        session.add(SupportEvent(kind=VISIT, place_id=place.id, starts_at=day,
                                 ends_at=day + timedelta(hours=1), status=DONE))  # fmt: skip
    session.flush()
    earlier = progress(session, named(session, "令和7年度"))
    assert earlier["period"]["name"] == "令和7年度"
    assert earlier["kinds"]["visit"]["events_done"] == 2
    now = progress(session, ct.current_period(session, on=date(2026, 12, 1)))
    assert (now["period"]["name"], now["kinds"]["visit"]["events_done"]) == ("令和8年度", 1)


def test_targets_come_from_the_period(session):
    period = named(session, "令和8年度")
    period.venue_events = 3
    session.flush()
    assert progress(session, period)["kinds"]["venue"]["target_events"] == 3


def test_a_new_period_is_saved_with_its_managers_and_audited(session):
    gm = person(session, GENERAL_MANAGER)
    sm = person(session, SITE_MANAGER)
    sm.approved_by_city = True
    period, errors = create(session, general_manager_id=str(gm.id), site_manager_ids=[sm.id])
    assert errors == {}
    assert period.general_manager.id == gm.id
    assert [p.id for p in period.site_managers] == [sm.id]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "create")).one()
    assert (entry.actor, entry.target) == ("staff:yamada", f"contract:{period.id}")
    assert "令和9年度 2027-04-01..2028-03-31" in entry.reason


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"ends_on": "2027-04-01"}, "ends_on", "ends_before_start"),
        ({"ends_on": "2027-03-01"}, "ends_on", "ends_before_start"),
        ({"starts_on": "2027-03-31"}, "starts_on", "period_overlaps"),
        ({"name": "令和8年度"}, "name", "name_taken"),
    ],
)
def test_a_period_that_breaks_a_rule_is_refused_by_field(session, changes, field, code):
    f, malformed = cp.parse_form(form(**changes))
    assert malformed == {}
    period, errors = cp.create_period(session, "staff:yamada", f)
    assert period is None and errors == {field: [code]}
    assert ct.find_by_name(session, "令和9年度") is None


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "あ" * 41}, "name", "too_long"),
        ({"starts_on": "2027-02-30"}, "starts_on", "bad_date"),
        ({"venue_events": "0"}, "venue_events", "bad_number"),
        ({"visit_applicants": "三百"}, "visit_applicants", "bad_number"),
        ({"visit_events": "-1"}, "visit_events", "bad_number"),
    ],
)
def test_malformed_input_is_named_by_field(changes, field, code):
    _f, errors = cp.parse_form(form(**changes))
    assert errors == {field: [code]}


def test_only_a_general_manager_and_approved_site_managers_can_be_appointed(session):
    worker = person(session, WORKER)
    unapproved = person(session, SITE_MANAGER, approved=False)
    f, _ = cp.parse_form(form(general_manager_id=str(worker.id), site_manager_ids=[unapproved.id]))
    _period, errors = cp.create_period(session, "staff:yamada", f)
    assert errors == {"general_manager_id": ["not_general_manager"],
                      "site_manager_ids": ["site_manager_not_approved"]}  # fmt: skip


def test_an_edit_names_the_fields_it_changed_in_the_audit_log(session):
    period = named(session, "令和8年度")
    gm = person(session, GENERAL_MANAGER)
    f = cp.form_of(period)
    f.general_manager_id, f.targets["venue_events"] = gm.id, 15
    saved, errors = cp.update_period(session, "staff:yamada", period, f)
    assert errors == {} and saved.venue_events == 15 and saved.general_manager.id == gm.id
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.target == f"contract:{period.id}"
    assert entry.reason.endswith("changed: general_manager_id, venue_events")
    # Saving the same values again changes nothing and logs nothing more.
    cp.update_period(session, "staff:yamada", period, cp.form_of(period))
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).all()) == 1


def test_an_edit_may_not_move_a_period_onto_its_neighbour(session):
    period = named(session, "令和7年度")
    f = cp.form_of(period)
    f.ends_on = date(2026, 4, 30)
    _saved, errors = cp.update_period(session, "staff:yamada", period, f)
    assert errors == {"starts_on": ["period_overlaps"]}
