"""The reports in the console and on the command line (issue 12): a day's figures are
recorded on the event's page with errors next to the field, the report is previewed,
downloaded as Excel and PDF (audited), checked, submitted and then frozen."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from models.audit import AuditEntry
from models.db import db
from models.event_results import result_of
from models.events import DONE
from models.reports import versions
from models.staff import SITE_MANAGER, WORKER, Assignment
from tests.booking_factories import jst, venue_event
from tests.console_helpers import login, make_staff, post

DAY = "2026-11-28"  # a Saturday in the 令和8年度 contract period, in the past


@pytest.fixture
def event_id(app):
    sm = make_staff("sm", SITE_MANAGER, approved=True, name="現場一郎")
    worker = make_staff("wk", WORKER, name="作業二郎")
    with db.unit_of_work() as s:
        event = venue_event(s, jst(2026, 11, 28, 10), status=DONE)
        for staff_id, role in ((sm, SITE_MANAGER), (worker, WORKER)):
            s.add(Assignment(event_id=event.id, staff_id=staff_id, role=role))
        s.commit()
        return event.id


def figures(**extra):
    data = {"start": "10:00", "end": "11:30", "people_served": "9", "walk_ins": "2",
            "online_apps": "3", "paper_apps": "4", "defects_on_spot": "1",
            "consult_application": "2", "consult_other": "1", "away_not_resident": "1",
            "remarks": "混雑なし。", "staff": []}  # fmt: skip
    data.update(extra)
    return data


def test_a_worker_records_the_days_figures_prefilled_from_the_assignments(client, event_id):
    login(client, "wk")
    page = client.get(f"/console/events/{event_id}/results").get_data(as_text=True)
    assert "実績の入力" in page and "現場一郎" in page and page.count('name="staff"') == 2
    assert 'id="start" name="start" value="10:00"' in page
    response = post(client, f"/console/events/{event_id}/results", figures(staff=["1", "2"]),
                    page=f"/console/events/{event_id}/results")  # fmt: skip
    assert response.status_code == 302
    with db.reader() as s:
        result = result_of(s, event_id)
        assert (result.applications, result.people_served, result.consultations["application"]) == (7, 9, 2)
        assert sorted(result.staff_ids) == [1, 2]
        assert s.query(AuditEntry).filter_by(action="create", target=f"event_result:{event_id}").count() == 1


@pytest.mark.parametrize("change, field, message", [
    ({"online_apps": "-2"}, "online_apps", "マイナスの数は入力できません。"),
    ({"people_served": "5"}, "people_served", "申請件数(オンライン+紙)が対応人数を超えています。"),
    ({"end": "09:00"}, "end", "終了は開始より後の時刻にしてください。"),
    ({"consult_other": "abc"}, "consult_other", "0以上の整数で入力してください。"),
    ({"staff": ["999"]}, "staff", "この実施回に配置されていない人は選べません。"),
])  # fmt: skip
def test_bad_figures_come_back_with_the_error_next_to_the_field(client, event_id, change, field,
                                                                 message):  # fmt: skip
    login(client, "sm")
    response = post(client, f"/console/events/{event_id}/results", figures(**change),
                    page=f"/console/events/{event_id}/results")  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error" role="alert">{re.escape(message)}', page), page[-3000:]
    with db.reader() as s:
        assert result_of(s, event_id) is None


def test_city_official_cannot_record_figures(client, event_id):
    make_staff("city", "city_official")
    login(client, "city")
    assert client.get(f"/console/events/{event_id}/results").status_code == 403


def test_the_report_is_previewed_downloaded_checked_submitted_and_then_frozen(client, event_id):
    login(client, "sm")
    post(client, f"/console/events/{event_id}/results", figures(), page="/console/reports")
    listing = client.get("/console/reports").get_data(as_text=True)
    assert f"/console/reports/daily/{DAY}" in listing and "/console/reports/monthly/2026-11" in listing
    preview = client.get(f"/console/reports/daily/{DAY}").get_data(as_text=True)
    assert "日次報告書" in preview and "長府公民館" in preview and "下書き" in preview
    xlsx = client.get(f"/console/reports/daily/{DAY}.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(xlsx.data))["実施回"].values)
    assert rows[-1][0] == "合計" and rows[-1][6] == 7
    pdf = client.get(f"/console/reports/daily/{DAY}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert post(client, f"/console/reports/daily/{DAY}/check", page="/console/reports").status_code == 303
    post(client, f"/console/reports/daily/{DAY}/submit", {"submitted_on": "2026-11-30"},
         page="/console/reports")  # fmt: skip
    page = client.get(f"/console/reports/daily/{DAY}").get_data(as_text=True)
    assert "提出済み" in page and "2026-11-30 市に提出" in page
    post(client, f"/console/events/{event_id}/results", figures(online_apps="5"),
         page="/console/reports")  # fmt: skip
    with db.reader() as s:
        history = versions(s, "daily", DAY)
        assert [(v.version, v.status) for v in history] == [(2, "draft"), (1, "submitted")]
        assert history[1].figures["totals"]["applications"] == 7
    page = client.get(f"/console/reports/daily/{DAY}").get_data(as_text=True)
    assert "第2版" in page and "提出済みの版との違い" in page
    old = client.get(f"/console/reports/daily/{DAY}.xlsx?version=1")
    assert list(load_workbook(io.BytesIO(old.data))["実施回"].values)[-1][6] == 7
    with db.reader() as s:
        exports = s.query(AuditEntry).filter_by(action="export", target=f"report:daily:{DAY}").count()
        assert exports == 3


def test_a_worker_cannot_check_and_a_bad_report_is_404(client, event_id):
    login(client, "wk")
    assert post(client, f"/console/reports/daily/{DAY}/check").status_code == 403
    login(client, "sm")
    assert client.get("/console/reports/daily/2026-13-45").status_code == 404
    assert client.get("/console/reports/weekly/2026-11").status_code == 404
    assert client.get("/console/reports/completion/999").status_code == 404
    assert client.get(f"/console/reports/daily/{DAY}.doc").status_code == 404
    response = post(client, f"/console/reports/daily/{DAY}/submit", {"submitted_on": "2026-11-30"},
                    page="/console/reports")  # fmt: skip
    assert response.status_code == 303  # not checked yet: refused with a message
    assert "確認済みの版だけを提出済みにできます。" in client.get(
        f"/console/reports/daily/{DAY}").get_data(as_text=True)


def test_staff_are_reminded_of_events_whose_figures_are_missing(client, event_id):
    login(client, "wk")
    page = client.get("/console/schedule").get_data(as_text=True)
    assert "実績が未入力の実施回が1回あります。" in page
    post(client, f"/console/events/{event_id}/results", figures(), page="/console/schedule")
    assert "実績が未入力" not in client.get("/console/schedule").get_data(as_text=True)


def test_the_cli_writes_both_formats_of_each_report(app, event_id, tmp_path):
    runner = app.test_cli_runner()
    for args, stem in ((["daily", "--date", DAY], f"report-daily-{DAY}-v1"),
                       (["monthly", "--month", "2026-11"], "report-monthly-2026-11-v1"),
                       (["completion"], None)):  # fmt: skip
        result = runner.invoke(args=["report", *args, "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
        if stem:
            assert (tmp_path / f"{stem}.xlsx").stat().st_size > 1000
            assert (tmp_path / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    assert len(list(tmp_path.glob("report-completion-*-v1.*"))) == 2
    bad = runner.invoke(args=["report", "monthly", "--month", "2026-13", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
