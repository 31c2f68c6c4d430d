"""Event photos on a phone's browser (Chromium at 390 px, touch): upload a real photo,
see it with the face blurred, mark a box by dragging on it, confirm it (issue 12).

Skipped when Playwright or /usr/bin/chromium is missing, except under CI=true.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from models import event_photos as ph
from models.db import db
from tests.booking_factories import venue_event
from tests.browser.test_console_browser import browser, sign_in  # noqa: F401 - fixture
from tests.browser.waits import reads, says, shows
from tests.console_helpers import make_staff

skdata = pytest.importorskip("skimage.data")


@pytest.fixture
def phone(browser, live):  # noqa: F811
    context = browser.new_context(
        base_url=live.base_url, viewport={"width": 390, "height": 844}, locale="ja-JP",
        has_touch=True, is_mobile=True, device_scale_factor=2,
    )  # fmt: skip
    context.set_default_timeout(30_000)  # face detection on a shared machine takes seconds
    pg = context.new_page()
    problems: list[str] = []
    pg.on(
        "response",
        lambda r: problems.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    pg.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "404" not in m.text else None,
    )
    pg.on("pageerror", lambda e: problems.append(str(e)))
    yield pg, problems
    context.close()


def test_a_site_manager_uploads_sees_the_blur_marks_a_box_and_confirms_on_a_phone(phone, tmp_path):
    page, problems = phone
    with db.unit_of_work() as s:
        event_id = venue_event(s).id
        s.commit()
    make_staff("site1", "site_manager")
    photo = tmp_path / "astronaut.jpg"
    Image.fromarray(skdata.astronaut()).save(photo, "JPEG", quality=92)

    sign_in(page, "site1")
    page.goto(f"/console/events/{event_id}")
    page.get_by_role("link", name=re.compile("この実施回の写真")).click()
    page.wait_for_url(re.compile(rf"/console/events/{event_id}/photos$"))
    camera = page.locator("#photo-camera")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    page.get_by_label("撮った写真から選ぶ").set_input_files(str(photo))
    page.get_by_label(re.compile("^説明")).fill("受付の様子")
    page.get_by_role("button", name="送って顔をぼかす").click()
    page.wait_for_url(re.compile(r"/console/photos/\d+$"))
    says(page.locator(".flash"), "顔がぼかされているか確認してください")
    reads(page.locator("#photo-status"), "未確認")
    image = page.locator("#photo-image")
    page.wait_for_function("document.getElementById('photo-image').naturalWidth > 0")
    # The phone shows the whole page without sideways scrolling, the photo fits.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    assert box["width"] <= 390 and box["y"] + box["height"] <= 844
    with db.reader() as s:
        (stored,) = ph.photos_for_event(s, event_id)
        assert stored.faces_found >= 1 and stored.image  # blurred before it was stored

    # A finger drags over the helmet at the bottom right: the fields fill in photo pixels.
    x0, y0 = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.7
    x1, y1 = x0 + box["width"] * 0.2, y0 + box["height"] * 0.2
    touch = page.context.new_cdp_session(page)
    touch.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    for n in range(1, 6):
        point = {"x": x0 + (x1 - x0) * n / 5, "y": y0 + (y1 - y0) * n / 5}
        touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    shows(page.locator(".photo-box"))
    x, w = int(page.locator("#box-x").input_value()), int(page.locator("#box-w").input_value())
    assert 290 <= x <= 325 and 90 <= w <= 115  # 0.6 and 0.2 of 512 px
    page.get_by_role("button", name="この範囲をぼかす").click()
    page.wait_for_url(re.compile(r"/console/photos/\d+$"))
    says(page.locator(".flash"), "指定した範囲をぼかしました")

    page.get_by_role("button", name=re.compile("確認済みにする")).click()
    page.wait_for_url(re.compile(r"/console/photos/\d+$"))
    reads(page.locator("#photo-status"), "確認済み")
    with db.reader() as s:
        assert [p.boxes_added for p in ph.confirmed_photos(s, [event_id])] == [1]
    assert not problems, problems
    buf = io.BytesIO(page.screenshot(full_page=True))
    assert Image.open(buf).size[0] == 390 * 2
