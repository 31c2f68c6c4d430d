"""Asking for a home or facility visit: every answer checked, business days only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.visits import VisitRequest
from tests.booking_factories import jst
from tests.unit.booking_driver import booking_session, send, templates, values  # noqa: F401

# NOW is Tue 1 Dec 2026 10:00 JST; with 2 business days' lead the first day is Thu 3 Dec.


def to_dates(session, kind="vk:home", postal="750-8521", applicants="n:2"):
    send(session, value="menu:visit")
    send(session, value=kind)
    send(session, value="purpose:first")
    send(session, "text", text=postal)
    send(session, "text", text="1番1号")
    return send(session, value=applicants)


def pick(session, value: str, key: str = "datetime"):
    return send(session, value="pd", params={key: value})


def test_the_visit_flow_asks_facility_or_home_first(session):
    replies = send(session, value="menu:visit")
    assert templates(replies) == ["visit/ask_kind"]
    assert values(replies) == ["vk:facility", "vk:home", "g:back"]


def test_a_postal_code_in_the_city_is_accepted_and_the_town_shown(session):
    send(session, value="menu:visit")
    send(session, value="vk:home")
    send(session, value="purpose:first")
    replies = send(session, "text", text="〒７５０－８５２１")
    assert templates(replies) == ["visit/ask_address"]
    assert "南部町" in replies[0].text()


@pytest.mark.parametrize(
    "text, template",
    [
        ("100-0001", "visit/postal_outside_city"),  # 東京都千代田区
        ("753-0001", "visit/postal_outside_city"),  # 山口市
        ("999-9999", "visit/postal_unknown"),
        ("75085", "visit/postal_malformed"),
        ("下関", "visit/postal_malformed"),
    ],
)
def test_a_postal_code_outside_the_city_gets_a_clear_answer(session, text, template):
    send(session, value="menu:visit")
    send(session, value="vk:home")
    send(session, value="purpose:first")
    replies = send(session, "text", text=text)
    assert templates(replies) == [template, "visit/ask_postal"]


def test_outside_the_city_names_the_other_city(session):
    send(session, value="menu:visit")
    send(session, value="vk:home")
    send(session, value="purpose:first")
    text = send(session, "text", text="100-0001")[0].text()
    assert "東京都千代田区" in text and "下関市" in text


@pytest.mark.parametrize("applicants", ["n:0", "n:99", "n:7", "たくさん"])
def test_applicants_outside_the_limit_are_refused_for_a_home(session, applicants):
    replies = to_dates(session, applicants=applicants)
    assert templates(replies)[-1] == "visit/ask_applicants"


def test_a_facility_may_ask_for_more_applicants(session):
    replies = to_dates(session, kind="vk:facility", applicants="30")
    assert templates(replies) == ["visit/ask_dates"]


def test_the_picker_offers_only_the_allowed_range(session):
    replies = to_dates(session)
    picker = next(c for c in replies[0].choices if c.kind == "datetime")
    assert picker.params["min"] == "2026-12-03T09:00"
    assert picker.params["max"].endswith("T16:00")


@pytest.mark.parametrize(
    "picked, template",
    [
        ("2026-11-30T10:00", "visit/date_in_the_past"),
        ("2026-12-05T10:00", "visit/date_not_business_day"),  # Saturday
        ("2027-01-11T10:00", "visit/date_not_business_day"),  # 成人の日
        ("2026-12-28T10:00", "visit/date_not_business_day"),  # year-end closure
        ("2026-12-02T10:00", "visit/date_too_soon"),
        ("2027-06-01T10:00", "visit/date_too_far"),
        ("2026-12-03T08:00", "visit/date_outside_business_hours"),
        ("2026-12-03T16:30", "visit/date_outside_business_hours"),
    ],
)
def test_a_preferred_date_must_be_a_business_day_in_hours(session, picked, template):
    to_dates(session)
    replies = pick(session, picked)
    assert templates(replies) == [template, "visit/ask_dates"]


@pytest.mark.parametrize(
    "params",
    [
        {"datetime": "garbage"},
        {"datetime": "2026-13-45T99:99"},
        {"datetime": ["2026-12-03T10:00"]},
        {"date": "2026-02-30"},
        {},
        {"time": "10:00"},
    ],
)
def test_garbage_from_the_picker_is_refused(session, params):
    to_dates(session)
    replies = send(session, value="pd", params=params)
    assert templates(replies) == ["visit/date_picker_garbage", "visit/ask_dates"]


def test_a_typed_date_asks_to_use_the_picker(session):
    to_dates(session)
    assert templates(send(session, "text", text="あした"))[-1] == "visit/ask_dates"


def test_up_to_three_dates_then_notes(session):
    to_dates(session)
    assert templates(pick(session, "2026-12-03T10:00")) == ["visit/ask_dates"]
    assert templates(pick(session, "2026-12-03T10:00"))[0] == "visit/date_duplicate_date"
    pick(session, "2026-12-04T13:30")
    assert templates(pick(session, "2026-12-07T09:00")) == ["visit/ask_notes"]


def test_done_needs_at_least_one_date(session):
    replies = to_dates(session)
    assert "done" not in values(replies)
    assert templates(send(session, value="done"))[-1] == "visit/ask_dates"


def test_a_whole_request_is_received_with_what_to_prepare(session):
    to_dates(session)
    pick(session, "2026-12-03T10:00")
    send(session, value="done")
    send(session, "text", text="車いすです。耳が遠いです。")
    send(session, "text", text="083-231-1111")
    replies = send(session, value="yes")
    assert templates(replies) == ["visit/received"]
    assert "申請時来庁方式" in replies[0].text()
    request = session.scalars(select(VisitRequest)).one()
    assert request.status == "received" and request.applicants == 2
    assert request.notes == "車いすです。耳が遠いです。"
    assert request.preferred == [jst(2026, 12, 3, 10).isoformat()]
    assert request.contact_phone == "0832311111" and request.postal_code == "7508521"


def test_the_contact_phone_is_required_for_a_visit(session):
    to_dates(session)
    pick(session, "2026-12-03T10:00")
    send(session, value="done")
    send(session, value="none")
    replies = send(session, "text", text="なし")
    assert templates(replies)[-1] == "visit/ask_phone"
