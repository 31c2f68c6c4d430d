"""Booking over the real LINE webhook; the stand-in checks every reply against LINE's spec."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from models.bookings import Booking
from scheduler.business_calendar import JST, add_business_days
from tests.booking_factories import venue_event
from tests.line_helpers import Resident, quick_values, texts


def _future_event(live, **kw):
    from models.db import db

    day = datetime.now(JST).date() + timedelta(days=7)
    with db.unit_of_work() as s:
        event = venue_event(s, datetime.combine(day, time(10), JST), **kw)
        ids = event.id, [sl.id for sl in event.slots]
        s.commit()
    return ids


def _all_requests_ok(resident):
    requests = resident.requests()
    assert requests and all(r["status"] == 200 for r in requests), requests


def test_a_resident_books_a_venue_place_over_line(live, new_user_id):
    event_id, slots = _future_event(live)
    resident = Resident(live, new_user_id)
    messages = resident.choose("menu:venue")
    assert "area:outside" in quick_values(messages)  # the address first
    messages = resident.say("752-0927")  # a postal code in the city (長府)
    assert "purpose:renewal" in quick_values(messages)  # why they come (issue 14)
    messages = resident.choose("purpose:renewal")
    flex = [m for m in messages if m["type"] == "flex"]
    assert flex and flex[0]["contents"]["type"] == "carousel"
    assert f"ev:{event_id}" in quick_values(messages)
    messages = resident.choose(f"ev:{event_id}")
    assert f"slot:{slots[0]}" in quick_values(messages)
    resident.choose(f"slot:{slots[0]}")
    resident.say("2人")
    resident.say("090-1234-5678")
    messages = resident.choose("yes")
    from models.db import db

    with db.reader() as s:
        code, reason = s.execute(select(Booking.code, Booking.reason)).one()
    assert reason == "renewal"
    assert code in texts(messages) and "交付時来庁方式" in texts(messages)
    _all_requests_ok(resident)


def test_my_bookings_lists_and_cancels_over_line(live, new_user_id):
    event_id, slots = _future_event(live)
    resident = Resident(live, new_user_id)
    for value in ("menu:venue", "area:chofu", "purpose:first", f"ev:{event_id}", f"slot:{slots[0]}", "n:1", "skip",
                  "yes"):
        resident.choose(value)
    messages = resident.choose("menu:bookings")
    cancel = next(v for v in quick_values(messages) if v.startswith("cxl:"))
    resident.choose(cancel)
    messages = resident.choose("yes")
    assert "取り消しました" in texts(messages)
    _all_requests_ok(resident)


def test_a_resident_outside_the_city_is_refused_over_line_with_the_citys_number(live, new_user_id):
    from models.city import city

    event_id, _slots = _future_event(live)
    resident = Resident(live, new_user_id)
    messages = resident.choose("menu:venue")
    assert len(quick_values(messages)) <= 13
    messages = resident.choose("area:more")  # the other page of areas
    assert "area:hohoku" in quick_values(messages) and "area:outside" in quick_values(messages)
    messages = resident.choose("area:outside")
    assert city().contacts.city_phone in texts(messages) and "申し訳ありません" in texts(messages)
    assert f"ev:{event_id}" not in quick_values(messages)
    _all_requests_ok(resident)


def test_a_visit_request_with_the_datetime_picker_over_line(live, new_user_id):
    resident = Resident(live, new_user_id)
    resident.choose("menu:visit")
    resident.choose("vk:home")
    resident.choose("purpose:first")
    messages = resident.say("750-8521")
    assert "南部町" in texts(messages)
    resident.say("1番1号")
    messages = resident.choose("n:2")
    picker = [
        i["action"] for m in messages for i in (m.get("quickReply") or {}).get("items", [])
        if i["action"]["type"] == "datetimepicker"
    ]  # fmt: skip
    assert picker and picker[0]["mode"] == "datetime" and picker[0]["min"] < picker[0]["max"]
    day = add_business_days(datetime.now(JST).date(), 5)
    messages = resident.send("postback", data="pd",
                             extra={"params": {"datetime": f"{day.isoformat()}T10:00"}})
    assert "いまの希望日" in texts(messages)
    messages = resident.send("postback", data="pd", extra={"params": {"datetime": "garbage"}})
    assert "読み取れませんでした" in texts(messages)
    resident.choose("done")
    resident.choose("none")
    resident.say("0832311111")
    messages = resident.choose("yes")
    assert "受け付けました" in texts(messages) and "申請時来庁方式" in texts(messages)
    _all_requests_ok(resident)
