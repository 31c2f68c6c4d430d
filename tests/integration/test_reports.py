"""Reports to the city (issue 12): figures add up from days to the month to the contract
period, the files open and say what they should, a submitted report is frozen, and no
personal data of a resident reaches any report. SQLite and PostgreSQL (TEST_BACKEND)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from handlers.reports import content as rc
from handlers.reports import results as res
from handlers.reports import workflow as wf
from models.contracts import period_for
from models.event_photos import add_photo, confirm
from models.event_results import result_of
from models.plan import progress
from models.reports import CHECKED, DRAFT, SUBMITTED, versions
from scheduler.business_calendar import JST
from scheduler.report_jobs import draft_daily
from tests.booking_factories import jst
from tests.report_factories import (
    first_venue,
    month_of_events,
    personal_strings,
    record,
    residents_at,
)

NOW = jst(2027, 1, 10, 12)  # after every generated event
ADDED = ("online_apps", "paper_apps", "applications", "people_served", "walk_ins",
         "defects_on_spot", "consultations_total", "turned_away_total", "events")  # fmt: skip


@pytest.fixture
def session(database_url):
    from models.crypto import Keyring, install_keyring
    from models.db import db
    from tests.conftest import TEST_KEY

    install_keyring(Keyring.from_setting(TEST_KEY))
    db.bind(database_url)
    with db.unit_of_work() as s:
        yield s


def test_daily_figures_add_up_to_the_month_and_the_months_to_the_contract_period(session):
    events = month_of_events(session, 2026, 11) + month_of_events(session, 2026, 12, seed=5)
    days = rc.support_days(session, date(2026, 11, 1), date(2026, 12, 31))
    assert len(days) == len(events) and len(events) > 25
    monthly = {m: rc.build(session, "monthly", m, NOW)["totals"] for m in ("2026-11", "2026-12")}
    for month, totals in monthly.items():
        daily = [rc.build(session, "daily", d.isoformat(), NOW)["totals"]
                 for d in days if d.strftime("%Y-%m") == month]  # fmt: skip
        for name in ADDED:
            assert sum(t[name] for t in daily) == totals[name], (month, name)
        for cat in totals["consultations"]:
            assert sum(t["consultations"][cat] for t in daily) == totals["consultations"][cat]
    period = period_for(session, date(2026, 12, 1))
    completion = rc.build(session, "completion", str(period.id), NOW)["totals"]
    for name in ADDED:
        assert completion[name] == monthly["2026-11"][name] + monthly["2026-12"][name], name
    assert completion["events_unrecorded"] == sum(1 for e in events if result_of(session, e.id) is None) > 0


def test_plan_progress_counts_recorded_applications_and_keeps_bookings_apart(session):
    events = month_of_events(session, 2026, 12)
    venue_day = first_venue(events)
    residents_at(session, venue_day)  # party sizes 2 + 2 attended, 3 no-show; a home visit
    unrecorded = [e for e in events if result_of(session, e.id) is None]
    p = progress(session, period_for(session, date(2026, 12, 1)))
    recorded = sum(result_of(session, e.id).applications for e in events if e not in unrecorded)
    kinds = p["kinds"]
    assert kinds["venue"]["applicants_recorded"] + kinds["visit"]["applicants_recorded"] == recorded + 1  # + the home visit
    assert kinds["venue"]["applicants_done"] == (kinds["venue"]["applicants_recorded"]
                                                 + kinds["venue"]["applicants_booking_basis"])
    assert kinds["venue"]["events_recorded"] + kinds["visit"]["events_recorded"] == len(events) - len(unrecorded) + 1
    # The event with residents has figures: its bookings (and the no-show) do not count.
    assert result_of(session, venue_day.id) is not None
    assert kinds["venue"]["applicants_booking_basis"] == 0
    # Its figures removed, the same event counts its attended bookings (2 + 2), 予約ベース.
    session.delete(result_of(session, venue_day.id))
    session.flush()
    again = progress(session, period_for(session, date(2026, 12, 1)))["kinds"]["venue"]
    assert again["applicants_booking_basis"] == 4


def test_the_files_open_with_the_expected_sheets_headings_and_totals(session):
    month_of_events(session, 2026, 12)
    produced = wf.produce(session, "monthly", "2026-12", NOW)
    xlsx, pdf = wf.files(session, produced)
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["集計", "実施回", "計画", "問い合わせ", "不備"]
    totals = produced.content["totals"]
    rows = list(book["実施回"].values)
    assert rows[0][:7] == ("実施日", "種別", "実施場所", "実施時間", "オンライン申請", "申請書(紙)", "申請件数")
    assert rows[-1][0] == "合計" and rows[-1][6] == totals["applications"]
    assert len(rows) == totals["events"] + 2
    summary = {r[0]: r[1] for r in book["集計"].values if r and r[0]}
    assert summary["委託者"] == "下関市" and summary["申請件数"] == totals["applications"]
    assert book["計画"]._images  # the chart
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for heading in ("月次報告書", "実施回ごとの実績", "計画の進み具合", "問い合わせ・苦情", "不備の案件", "下関市"):
        assert heading in text, heading
    assert f"{totals['applications']}" in text
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    assert len(reader.pages) >= 2 and "1 / " in reader.pages[0].extract_text()  # page numbers
    fonts = [f.get_object() for p in reader.pages for f in p["/Resources"]["/Font"].values()]
    descriptors = [d.get_object()["/FontDescriptor"] for f in fonts for d in f["/DescendantFonts"]]
    assert descriptors and all("/FontFile3" in d or "/FontFile2" in d for d in descriptors)  # embedded


def test_a_submitted_report_is_frozen_and_an_edit_makes_a_new_version_with_the_difference(session):
    events = month_of_events(session, 2026, 12)
    event = events[0]
    day = event.starts_at.astimezone(JST).date().isoformat()
    with pytest.raises(wf.WorkflowRefused):
        wf.check(session, "daily", day, "staff:worker", "worker", NOW)
    wf.check(session, "daily", day, "staff:sm", "site_manager", NOW)
    with pytest.raises(wf.WorkflowRefused):
        wf.submit(session, "daily", day, "staff:sm", "site_manager", None)
    wf.submit(session, "daily", day, "staff:sm", "site_manager", date(2026, 12, 8))
    frozen = wf.produce(session, "daily", day, NOW).content
    before = frozen["totals"]["applications"]
    f = res.prefill(session, event)
    f.online_apps, f.people_served = f.online_apps + 3, f.people_served + 3
    res.save(session, "staff:sm", event, f)
    history = versions(session, "daily", day)
    assert [(v.version, v.status) for v in history] == [(2, DRAFT), (1, SUBMITTED)]
    assert history[1].figures["totals"]["applications"] == before  # never a silent change
    old = wf.produce(session, "daily", day, NOW, version=1)
    assert old.content["totals"]["applications"] == before
    new = wf.produce(session, "daily", day, NOW)
    assert new.content["totals"]["applications"] == before + 3
    assert {"what": "applications", "event": None, "before": before, "after": before + 3} in new.diff
    _xlsx, pdf = wf.files(session, new)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "提出済みの版との違い" in text
    # The monthly report was only checked: it goes back to draft, to be checked again.
    wf.check(session, "monthly", "2026-12", "staff:gm", "general_manager", NOW)
    res.save(session, "staff:gm", event, f)
    assert versions(session, "monthly", "2026-12")[0].status == DRAFT
    assert versions(session, "daily", day)[0].version == 2  # still the open draft


def test_no_report_holds_a_residents_name_phone_application_id_or_my_number(session):
    events = month_of_events(session, 2026, 12)
    venue_day = first_venue(events)
    residents_at(session, venue_day)
    result = result_of(session, venue_day.id)
    result.remarks = "山田太郎さん(09012345678)が申請ID 12345678901234567890123 を持参。佐藤花子様も来場"
    confirm(add_photo(session, venue_day.id, _jpeg(), 64, 48, account_id=None,
                      caption="山田太郎さんの受付(090-1234-5678)"), None)  # fmt: skip
    session.flush()
    period = period_for(session, date(2026, 12, 1))
    day = venue_day.starts_at.astimezone(JST).date().isoformat()
    texts = []
    for kind, key in (("daily", day), ("monthly", "2026-12"), ("completion", str(period.id))):
        wf.check(session, kind, key, "staff:gm", "general_manager", NOW)
        xlsx, pdf = wf.files(session, wf.produce(session, kind, key, NOW))
        texts.append(_xlsx_text(xlsx))
        texts.append("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "[NAME]" in texts[1]  # the remarks were there, reduced
    assert "個人宅(長府)" in "".join(texts[1].split())  # the home visit, by its area only
    assert "[NAME]さんの受付" in "".join(texts[1].split())  # the photo's caption, reduced
    for text in texts:
        squeezed = "".join(text.split())
        for secret in personal_strings():
            assert secret not in text and secret not in squeezed, secret


def _xlsx_text(data: bytes) -> str:
    """Every string in the workbook, read from the XML parts (cells, sheet names, anything)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                       if n.endswith(".xml"))  # fmt: skip


@pytest.mark.parametrize("field, value, code", [
    ("online_apps", "-1", res.NEGATIVE), ("paper_apps", "x", res.BAD_NUMBER),
    ("people_served", "2", res.APPS_OVER_SERVED), ("walk_ins", "9", res.WALK_INS_OVER_SERVED),
    ("end", "09:00", res.END_BEFORE_START), ("consult_other", "100000", res.TOO_LARGE),
    ("start", "", res.REQUIRED), ("remarks", "あ" * 1001, res.TOO_LONG),
])  # fmt: skip
def test_bad_figures_are_refused_with_the_field_named(field, value, code):
    data = {"online_apps": "2", "paper_apps": "1", "people_served": "5", "walk_ins": "1",
            "start": "10:00", "end": "12:00"}  # fmt: skip
    data[field] = value
    _f, errors = res.parse(MultiDict(data), assigned_ids=set())
    key = "people_served" if code == res.APPS_OVER_SERVED else field
    assert code in errors.get(key, []), errors


def test_staff_not_assigned_to_the_event_cannot_be_named():
    data = MultiDict([("start", "10:00"), ("end", "11:00"), ("staff", "7"), ("staff", "99")])
    _f, errors = res.parse(data, assigned_ids={7})
    assert errors == {"staff": [res.NOT_ASSIGNED]}


def test_the_clock_drafts_the_daily_report_of_a_support_day_once_it_has_ended(session):
    events = month_of_events(session, 2026, 12)
    first = events[0]
    now = first.ends_at  # the first event just ended
    assert draft_daily(session, now) == [first.starts_at.astimezone(JST).date().isoformat()]
    assert draft_daily(session, now) == []  # once
    assert versions(session, "daily", first.starts_at.astimezone(
        JST).date().isoformat())[0].status == DRAFT


def test_checking_freezes_what_was_checked(session):
    events = month_of_events(session, 2026, 12)
    wf.check(session, "monthly", "2026-12", "staff:gm", "general_manager", NOW)
    checked = versions(session, "monthly", "2026-12")[0]
    assert checked.status == CHECKED and checked.figures["totals"]["events"] == len(events)
    record(session, events[3], {"online_apps": 1, "people_served": 1})  # not via save(): no notice
    assert wf.produce(session, "monthly", "2026-12", NOW).content["totals"]["events"] == len(events)


def test_recorded_figures_count_an_event_as_held_even_before_it_is_marked_done(session):
    from models.events import OPEN
    from tests.booking_factories import venue_event

    event = venue_event(session, jst(2026, 12, 5, 10), status=OPEN)
    period = period_for(session, date(2026, 12, 5))
    before = progress(session, period)["kinds"]["venue"]
    assert (before["events_done"], before["events_scheduled"]) == (0, 1)
    record(session, event, {"online_apps": 2, "paper_apps": 1, "people_served": 4})
    after = progress(session, period)["kinds"]["venue"]
    assert (after["events_done"], after["applicants_done"], after["events_scheduled"]) == (1, 3, 0)
    # A report made before the event began does not list it; one made after does.
    assert rc.build(session, "daily", "2026-12-05", jst(2026, 12, 5, 9))["totals"]["events"] == 0
    assert rc.build(session, "daily", "2026-12-05", NOW)["totals"]["applications"] == 3


def test_confirmed_photos_go_into_both_files(session, monkeypatch):
    """The photos of the report's events, as ``models.event_photos.confirmed_photos`` gives
    them (blurred and confirmed), appear in the PDF and on the xlsx's 写真 sheet."""
    from dataclasses import dataclass

    from PIL import Image

    events = month_of_events(session, 2026, 12)
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "JPEG")

    @dataclass
    class Photo:
        event_id: int
        image: bytes
        width: int
        height: int
        caption: str

    asked = []

    def confirmed_photos(_session, event_ids):
        asked.append(list(event_ids))
        return [Photo(events[0].id, buf.getvalue(), 64, 48, "受付の様子")]

    monkeypatch.setattr("handlers.reports.photos.confirmed_photos", confirmed_photos)
    xlsx, pdf = wf.files(session, wf.produce(session, "monthly", "2026-12", NOW))
    assert asked and events[0].id in asked[0]
    book = load_workbook(io.BytesIO(xlsx))
    assert "写真" in book.sheetnames and book["写真"]._images
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "受付の様子" in text and "確認済みの写真はありません" not in text
    assert sum(len(p.images) for p in reader.pages) >= 2  # the chart and the photo


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(buf, "JPEG")
    return buf.getvalue()


def test_only_confirmed_photos_and_a_checked_report_keeps_the_photos_it_was_checked_with(session):
    events = month_of_events(session, 2026, 12)
    day = events[0].starts_at.astimezone(JST).date().isoformat()
    first = add_photo(session, events[0].id, _jpeg(), 64, 48, account_id=None, caption="一枚目")
    confirm(first, None)
    add_photo(session, events[0].id, _jpeg(), 64, 48, account_id=None, caption="未確認の写真")
    wf.check(session, "daily", day, "staff:gm", "general_manager", NOW)
    later = add_photo(session, events[0].id, _jpeg(), 64, 48, account_id=None, caption="後から")
    confirm(later, None)
    session.flush()
    _xlsx, pdf = wf.files(session, wf.produce(session, "daily", day, NOW))
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "一枚目" in text and "未確認の写真" not in text and "後から" not in text
