"""The simulators and the console on a phone (390 px wide), in Chromium, on the demo city.

Nothing may be wider than the screen (``scrollWidth <= clientWidth`` of the
document); the call button shows no emoji (a box where no emoji font is
installed). Screenshots go to a temporary directory; with DOC_IMAGES=1 the
README's walk-through pictures are written to docs/images/ instead
(``DOC_IMAGES=1 .venv/bin/pytest tests/browser/test_phone_width_browser.py``).
"""

from __future__ import annotations

import os
import re

import pytest

from bot.sandbox import seed
from models.base import utcnow
from models.bookings import Booking
from models.city import PROJECT_ROOT
from models.db import db
from scheduler.business_calendar import JST
from tests.browser.test_console_browser import browser, sign_in  # noqa: F401 - fixtures
from tests.console_helpers import PASSWORD, escalate
from tests.line_helpers import Resident

PHONE = {"width": 390, "height": 844}
README_IMAGES = PROJECT_ROOT / "docs" / "images"


@pytest.fixture
def shots(tmp_path):
    """Save a screenshot; README pictures go to docs/images/ when DOC_IMAGES=1."""

    def save(page, name: str, *, readme: bool = False, full_page: bool = False) -> None:
        folder = README_IMAGES if readme and os.environ.get("DOC_IMAGES") == "1" else tmp_path
        page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)

    return save


@pytest.fixture
def demo(live):
    with db.unit_of_work() as s:
        seed.seed(s, utcnow(), password=lambda _login: PASSWORD)
        s.commit()
    live.app.config["CONSOLE_POLL_SECONDS"] = 1
    return live


@pytest.fixture
def phone(browser, demo):  # noqa: F811 - the fixture
    context = browser.new_context(base_url=demo.base_url, viewport=PHONE, locale="ja-JP",
                                  device_scale_factor=1)  # fmt: skip
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def fits(page) -> bool:
    width, client = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    return width <= client


def _press(page, name: str, where: str = "#quick") -> None:
    page.locator(where).get_by_role("button", name=name, exact=True).first.click()


def test_a_resident_books_a_demo_venue_in_the_simulator_on_a_phone(phone, shots):
    phone.goto("/sandbox")
    phone.get_by_role("button", name="別の住民になる").click()
    phone.get_by_role("button", name="友だち追加").click()
    _press(phone, "会場で申請(予約)")
    _press(phone, "長府")
    _press(phone, "はじめての申請")
    phone.locator(".card").first.get_by_role("button", name="この会場にする").click()
    phone.locator("#quick button", has_text="のこり").first.click()
    _press(phone, "2人")
    phone.get_by_label("メッセージ").fill("090-1234-5678")
    phone.get_by_role("button", name="送信", exact=True).click()
    _press(phone, "予約する")
    phone.locator("#log .bot", has_text="予約番号").wait_for()
    with db.reader() as s:
        code = s.query(Booking).one().code
    assert code in phone.locator("#log").inner_text()
    assert fits(phone)
    shots(phone, "try-1-line-booking", readme=True)


def test_the_phone_simulator_calls_the_line_on_a_phone(phone, shots):
    phone.goto("/sandbox/phone")
    call = phone.get_by_role("button", name="電話をかける", exact=True)
    assert call.inner_text().strip() == "電話をかける"  # no emoji: an inline SVG icon
    assert call.locator("svg").count() == 1
    call.click()
    phone.locator("#log .say").first.wait_for()
    phone.get_by_role("button", name="1", exact=True).click()  # the first menu item
    phone.locator("#log .me", has_text="押した番号: 1").wait_for()
    assert fits(phone)
    width = phone.evaluate("document.getElementById('log').getBoundingClientRect().width")
    assert width >= 300  # the transcript gets the screen's width, not a strip beside the keypad
    shots(phone, "try-2-phone-call", readme=True)


def test_the_console_fits_a_phone_inbox_day_schedule_event_and_places(demo, phone, shots,
                                                                       new_user_id):  # fmt: skip
    resident = Resident(demo, new_user_id)
    for value in ("menu:venue", "area:chofu", "purpose:first"):
        messages = resident.choose(value)
    event_value = next(
        i["action"]["data"] for m in messages for i in (m.get("quickReply") or {}).get("items", [])
        if i["action"].get("data", "").startswith("ev:")
    )  # fmt: skip
    messages = resident.choose(event_value)
    slot = next(i["action"]["data"] for i in messages[-1]["quickReply"]["items"])
    for value in (slot, "n:2", "skip", "yes"):
        resident.choose(value)
    escalate(Resident(demo, "U" + "e" * 32))
    with db.reader() as s:
        booking = s.query(Booking).one()
        event_id, day = booking.event_id, booking.event.starts_at.astimezone(JST).date()

    sign_in(phone, "demo-manager")
    phone.wait_for_url(re.compile(r"/console/inbox"))
    pages = {
        "inbox": "/console/inbox",
        "schedule-day": f"/console/schedule?view=day&date={day.isoformat()}",
        "schedule-month": f"/console/schedule?view=month&date={day.isoformat()}",
        "event": f"/console/events/{event_id}",
        "places": "/console/places",
    }
    for name, path in pages.items():
        phone.goto(path)
        assert fits(phone), name
        shots(phone, f"console-{name}-390", full_page=True)
    phone.goto(pages["schedule-day"])
    booked = phone.locator("td[data-label='予約/定員']").first
    assert re.fullmatch(r"2/\d+", booked.inner_text().strip())  # labelled, one card per event
    assert booked.bounding_box()["width"] > 150  # not a squeezed column
    phone.set_viewport_size({"width": 1024, "height": 700})
    phone.goto(pages["schedule-day"])
    shots(phone, "try-3-console-schedule", readme=True)


def test_my_bookings_lists_a_booking_and_a_visit_request_and_cancels_the_visit(phone):
    """Issue 19 point 3 in the simulator: 予約の確認・変更 shows both kinds, each with its
    buttons; the visit request is cancelled after a confirmation."""
    from models.residents import get_or_create_resident
    from models.visits import DECLINED, VisitRequest

    phone.goto("/sandbox")
    phone.get_by_role("button", name="別の住民になる").click()
    phone.get_by_role("button", name="友だち追加").click()
    _press(phone, "会場で申請(予約)")
    _press(phone, "長府")
    _press(phone, "はじめての申請")
    phone.locator(".card").first.get_by_role("button", name="この会場にする").click()
    phone.locator("#quick button", has_text="のこり").first.click()
    _press(phone, "1人")
    _press(phone, "電話番号なし")
    _press(phone, "予約する")
    phone.locator("#log .bot", has_text="予約番号").wait_for()
    user = phone.locator("#uid").inner_text().strip()
    with db.unit_of_work() as s:
        resident = get_or_create_resident(s, "line", user)
        request = VisitRequest(resident_id=resident.id, kind="home", postal_code="7508521",
                               address="南部町1-1", applicants=1, preferred=[],
                               contact_phone="0832311111", channel="line")  # fmt: skip
        s.add(request)
        s.commit()
        request_id = request.id
    phone.get_by_label("メッセージ").fill("予約の確認")
    phone.get_by_role("button", name="送信", exact=True).click()
    visit_card = phone.locator(".card", has_text=f"訪-{request_id:04d}")
    visit_card.wait_for()
    assert phone.locator(".card", has_text="予約番号").count() >= 1  # the venue booking too
    visit_card.get_by_role("button", name="訪問を取り消す").click()
    phone.locator("#log .bot", has_text="この訪問のお申し込みを取り消しますか").wait_for()
    _press(phone, "訪問を取り消す")
    phone.locator("#log .bot", has_text="訪問のお申し込みを取り消しました").wait_for()
    with db.reader() as s:
        assert s.get(VisitRequest, request_id).status == DECLINED
    assert fits(phone)
