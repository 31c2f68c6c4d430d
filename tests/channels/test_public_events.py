"""The public events page, its feeds and the flyer (issue 14): approved future venue dates
only, no personal data, cheap to serve."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from models.base import utcnow
from models.db import db
from tests import booking_factories as f


@pytest.fixture
def events(app):
    from bot.public import clear_cache

    clear_cache()
    soon = utcnow() + timedelta(days=3)
    with db.unit_of_work() as s:
        shown = f.venue_event(s, soon.replace(minute=0, second=0, microsecond=0),
                              place=f.venue(s, "ゆめシティ臨時会場"))  # fmt: skip
        approved = f.venue_event(s, soon + timedelta(days=1), status="approved",
                                 place=f.venue(s, "シーモール下関"))  # fmt: skip
        f.venue_event(s, soon + timedelta(days=2), status="planned", place=f.venue(s, "未承認の回"))
        f.venue_event(s, soon + timedelta(days=3), place=f.venue(s, "未承認の会場", approved=False))
        f.venue_event(s, utcnow() - timedelta(days=2), place=f.venue(s, "終わった会場"))
        f.visit_event(s, soon + timedelta(days=1), status="open")  # a facility: never public
        s.commit()
        ids = (shown.id, approved.id)
    yield ids
    clear_cache()


def test_the_events_page_lists_only_approved_future_venue_dates(client, events):
    page = client.get("/events")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "ゆめシティ臨時会場" in html and "シーモール下関" in html
    for hidden in ("未承認の回", "未承認の会場", "終わった会場", "ひだまりホーム"):
        assert hidden not in html
    assert "083-231-1111" in html and "tel:0832311111" in html
    assert "https://line.me/R/ti/p/@sandbox" in html and "<svg" in html  # add-friend link, QR


def test_the_events_page_needs_no_login_runs_no_script_and_may_be_cached(client, events):
    page = client.get("/events")
    html = page.get_data(as_text=True)
    assert "<script" not in html and " on" not in html.split("<body>")[1].split("=")[0]
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get("/events", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_events_page_shows_no_personal_data(client, events, app):
    from tests.unit.booking_driver import USER

    with db.unit_of_work() as s:
        from models.bookings import book

        event = s.get(__import__("models.events", fromlist=["SupportEvent"]).SupportEvent, events[0])
        from models.residents import get_or_create_resident

        resident = get_or_create_resident(s, "line", USER)
        resident.display_name = "山田花子"
        book(s, resident_id=resident.id, slot_id=event.slots[0].id, party_size=1, channel="line",
             phone="+819012345678")  # fmt: skip
        s.commit()
    from bot.public import clear_cache

    clear_cache()
    body = client.get("/events").get_data(as_text=True) + client.get("/events.json").get_data(as_text=True)
    body += client.get("/events.ics").get_data(as_text=True)
    for personal in ("山田", USER, "9012345678", "090-1234"):
        assert personal not in body


def test_the_json_feed_can_be_embedded_by_the_citys_website(client, events):
    answer = client.get("/events.json")
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    doc = json.loads(answer.data)
    assert [e["id"] for e in doc["events"]] == list(events)
    assert doc["events"][0]["bookable"] is True and doc["events"][1]["bookable"] is False
    assert doc["phone"] == "083-231-1111" and doc["lineAddFriendUrl"].endswith("@sandbox")


def test_the_ics_feed_is_rfc5545(client, events):
    ics = client.get("/events.ics")
    assert ics.mimetype == "text/calendar"
    text = ics.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 2 and "ゆめシティ臨時会場" in text.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_the_flyer_pdf_lists_every_venue_of_the_month_with_the_phone_number(app, events, tmp_path):
    from pypdf import PdfReader

    month = (utcnow() + timedelta(days=3)).strftime("%Y-%m")
    result = app.test_cli_runner().invoke(args=["flyer", "--month", month, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(str(tmp_path / f"flyer-{month}.pdf"))
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842  # A4
    text = "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\n", "")
    assert "083-231-1111" in text
    with db.reader() as s:
        from handlers.public_events import in_month
        from scheduler.business_calendar import JST

        listed = in_month(s, (utcnow() + timedelta(days=3)).astimezone(JST).date(), utcnow())
    assert listed and all(e.place in text for e in listed)
    fonts = [f.get_object() for p in reader.pages for f in p["/Resources"]["/Font"].values()]
    descriptors = [d.get_object()["/FontDescriptor"] for f in fonts for d in f["/DescendantFonts"]]
    assert descriptors and all("/FontFile3" in d or "/FontFile2" in d for d in descriptors)  # embedded


def test_the_flyer_month_must_be_a_month(app):
    result = app.test_cli_runner().invoke(args=["flyer", "--month", "2026-13"])
    assert result.exit_code != 0 and "YYYY-MM" in result.output
