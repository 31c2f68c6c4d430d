"""Staffing as the specification writes it, the visit without a city official, and the
confirmation that an event is not combined with political, religious or for-profit events.

仕様書: 「２人以上の業務従事者を配置」「実施会場ごとに現場に常駐し、本市の承認を受けた
現場管理責任者を配置」; visits with a city official 「原則」; venue events 「特定の政党、
宗教又は営利を目的とした催し等と合わせた実施ではないこと」.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import select

from handlers import schedule_ops as ops
from handlers import visit_ops
from handlers.text import render
from models import events as ev
from models.approvals import EVENT, OFFICIAL_WAIVER, Approval
from models.audit import AuditEntry
from models.city import PROJECT_ROOT
from models.staff import (
    CITY_OFFICIAL,
    GENERAL_MANAGER,
    NEEDS_CITY_OFFICIAL,
    NEEDS_SITE_MANAGER,
    NEEDS_TWO_WORKERS,
    SITE_MANAGER,
    WORKER,
    RuleViolation,
    assign,
    staffing_errors,
)
from tests.booking_factories import NOW, person, venue_event, visit_event
from tests.unit.booking_driver import booking_session  # noqa: F401

CLERK = ops.Actor("staff:city", login="city")


def staff(session, event, *roles: str) -> None:
    for role in roles:
        assign(session, person(session, role).id, event, role)


# --- people on site ---------------------------------------------------------------------


def test_two_people_are_enough_when_one_is_the_approved_site_manager(session):
    event = venue_event(session, status=ev.APPROVED)
    staff(session, event, WORKER, SITE_MANAGER)
    assert staffing_errors(session, event) == []


def test_two_workers_without_a_site_manager_are_not_enough(session):
    event = venue_event(session, status=ev.APPROVED)
    staff(session, event, WORKER, WORKER)
    assert staffing_errors(session, event) == [NEEDS_SITE_MANAGER]


def test_a_site_manager_alone_is_not_two_people(session):
    event = venue_event(session, status=ev.APPROVED)
    staff(session, event, SITE_MANAGER)
    assert staffing_errors(session, event) == [NEEDS_TWO_WORKERS]


def test_a_city_official_is_not_counted_among_the_workers(session):
    event = visit_event(session)
    staff(session, event, SITE_MANAGER, CITY_OFFICIAL)
    assert staffing_errors(session, event) == [NEEDS_TWO_WORKERS]


def test_the_general_manager_on_site_counts_as_one_of_the_two(session):
    event = venue_event(session, status=ev.APPROVED)
    staff(session, event, GENERAL_MANAGER, SITE_MANAGER)
    assert staffing_errors(session, event) == []


def test_an_unapproved_site_manager_does_not_make_the_event_ready(session):
    event = venue_event(session, status=ev.APPROVED)
    staff(session, event, WORKER)
    unapproved = person(session, SITE_MANAGER, approved=False)
    assign(session, unapproved.id, event, WORKER)  # may work, not manage
    assert staffing_errors(session, event) == [NEEDS_SITE_MANAGER]


# --- a visit without a city official ----------------------------------------------------


def test_a_visit_without_a_city_official_opens_only_with_a_recorded_reason_and_approver(session):
    event = visit_event(session, status=ev.APPROVED)
    staff(session, event, WORKER, SITE_MANAGER)
    assert staffing_errors(session, event) == [NEEDS_CITY_OFFICIAL]
    waiver = visit_ops.waive_city_official(
        session, CLERK, event, "市職員の同行日程が合わず、施設長の立会いで実施", NOW
    )
    assert (waiver.target_kind, waiver.target_id, waiver.login) == (OFFICIAL_WAIVER, event.id, "city")
    assert waiver.at == NOW and waiver.reason.startswith("市職員の同行日程が合わず")
    assert staffing_errors(session, event) == []
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "waive_city_official")
    ).one()
    assert (entry.actor, entry.target) == ("staff:city", f"event:{event.id}")
    assert entry.reason.startswith("市職員の同行日程が合わず")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_waiver_needs_a_reason(session, reason):
    event = visit_event(session)
    with pytest.raises(RuleViolation) as refused:
        visit_ops.waive_city_official(session, CLERK, event, reason, NOW)
    assert (refused.value.codes, refused.value.field) == (["missing_field"], "reason")


def test_a_waiver_reason_never_keeps_a_my_number(session):
    event = visit_event(session)
    waiver = visit_ops.waive_city_official(session, CLERK, event, "番号 1234 5678 9018 の方", NOW)
    assert "1234" not in waiver.reason and "[MY_NUMBER]" in waiver.reason


def test_a_waiver_is_for_visits_before_they_open_and_only_once(session):
    with pytest.raises(RuleViolation) as refused:
        visit_ops.waive_city_official(session, CLERK, venue_event(session), "理由", NOW)
    assert refused.value.codes == ["not_a_visit"]
    opened = visit_event(session, status=ev.OPEN)
    with pytest.raises(RuleViolation) as refused:
        visit_ops.waive_city_official(session, CLERK, opened, "理由", NOW)
    assert refused.value.codes == ["bad_transition"]
    event = visit_event(session)
    visit_ops.waive_city_official(session, CLERK, event, "理由", NOW)
    with pytest.raises(RuleViolation) as refused:
        visit_ops.waive_city_official(session, CLERK, event, "別の理由", NOW)
    assert refused.value.codes == ["already_waived"]


# --- not combined with political, religious or for-profit events ------------------------


def test_a_venue_event_is_approved_only_with_the_not_combined_confirmation(session):
    event = venue_event(session, status=ev.PLANNED)
    with pytest.raises(RuleViolation) as refused:
        ops.change_event_status(session, CLERK, event, ev.APPROVED, NOW)
    assert (refused.value.codes, refused.value.field) == (
        ["not_combined_unconfirmed"], "not_combined")
    assert event.status == ev.PLANNED
    ops.change_event_status(session, CLERK, event, ev.APPROVED, NOW, not_combined=True)
    approval = session.scalars(select(Approval).where(Approval.target_kind == EVENT)).one()
    assert (approval.not_combined, approval.login, approval.at) == (True, "city", NOW)


def test_a_visit_is_approved_without_the_venue_confirmation(session):
    event = visit_event(session)
    ops.change_event_status(session, CLERK, event, ev.APPROVED, NOW)
    assert event.status == ev.APPROVED


# --- the wording staff read ---------------------------------------------------------------


def _nfkc(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _console_label(code: str) -> str:
    labels = (PROJECT_ROOT / "templates" / "console" / "_labels.html").read_text(encoding="utf-8")
    found = re.search(rf'"{re.escape(code)}": "([^"]+)"', labels)
    assert found, code
    return found.group(1)


@pytest.mark.parametrize(
    ("code", "phrases"),
    [
        (NEEDS_TWO_WORKERS, ["２人以上の業務従事者を配置", "市職員は数えません"]),
        (NEEDS_SITE_MANAGER, ["市の承認を受けた現場管理責任者", "うち1人"]),
        (NEEDS_CITY_OFFICIAL, ["原則として市職員が同行", "理由と承認者を記録"]),
        ("not_combined_unconfirmed", ["特定の政党、宗教又は営利を目的とした催し等と合わせた実施ではない"]),
    ],
)
def test_console_and_api_word_the_rules_as_the_specification_does(code, phrases):
    for text in (_console_label(code), render("bookings/api_error", code=code)):
        for phrase in phrases:
            assert _nfkc(phrase) in _nfkc(text), (code, text)
