"""Console pages for application records and defect cases (issue 7): masked ids, audited
views and reveals, the transition table, the contact log and the counts."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from models import defects as dc
from models.applications import ApplicationRecord
from models.audit import AuditEntry
from models.db import db
from models.inquiries import Inquiry
from models.residents import Resident
from tests.booking_factories import venue_event
from tests.console_helpers import csrf, login, make_staff, post

APP_ID = "12345678901234567890123"
MY_NUMBER = "123456789018"  # valid check digit
PHONE = "090-1234-5678"


@pytest.fixture
def event_id(app):
    with db.unit_of_work() as s:
        event = venue_event(s)
        s.commit()
        return event.id


@pytest.fixture
def worker(client):
    make_staff("worker1", "worker")
    login(client, "worker1")
    return client


@pytest.fixture
def manager(client):
    make_staff("boss", "general_manager")
    login(client, "boss")
    return client


def record_form(**changes) -> dict[str, str]:
    return {"name": "下関 花子", "name_kana": "しものせき はなこ", "contact_phone": PHONE,
            "application_id": APP_ID, "my_number": MY_NUMBER, "consultations": "2",
            **changes}  # fmt: skip


def add_record(client, event_id: int, **changes):
    path = f"/console/events/{event_id}/applications"
    return post(client, path, record_form(**changes), page=path)


def a_record(client, event_id: int) -> int:
    assert add_record(client, event_id).status_code == 302
    with db.reader() as s:
        return s.scalars(select(ApplicationRecord.id)).one()


def open_case(client, record_id: int, **changes):
    data = {"reason": "photo", "source": "jlis", "found_on": "2026-11-20", **changes}
    return post(client, f"/console/applications/{record_id}/defects", data,
                page=f"/console/applications/{record_id}")  # fmt: skip


def a_case(client, record_id: int) -> int:
    resp = open_case(client, record_id)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def text(resp) -> str:
    return resp.get_data(as_text=True)


def no_full_numbers(page: str) -> None:
    """Neither the My Number nor the application id, whatever the spacing."""
    squeezed = re.sub(r"[\s-]", "", page)
    assert MY_NUMBER not in squeezed and APP_ID not in squeezed


def audits(action: str) -> list[SimpleNamespace]:
    with db.reader() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [SimpleNamespace(actor=a.actor, target=a.target, reason=a.reason) for a in rows]


# -- records ---------------------------------------------------------------------------


def test_a_record_added_in_the_console_is_listed_with_its_ids_masked(worker, event_id):
    resp = add_record(worker, event_id)
    assert resp.status_code == 302
    page = text(worker.get(resp.headers["Location"]))
    assert "申請の記録を追加しました。" in page
    assert "下関 花子" in page and "シモノセキハナコ" in page
    assert "****-****-0123" in page and "****-****-9018" in page and "2回" in page
    assert "+819012345678" not in page and "••78" in page
    no_full_numbers(page)
    with db.reader() as s:
        record = s.scalars(select(ApplicationRecord)).one()
        assert record.application_id == APP_ID and record.my_number == MY_NUMBER
        assert record.created_by == "staff:worker1" and record.consultations == 2
        record_id = record.id
    assert any(a.target == f"application:{record_id}" for a in audits("create"))


def test_every_look_at_the_records_is_audited(worker, event_id):
    record_id = a_record(worker, event_id)
    worker.get(f"/console/events/{event_id}/applications")
    worker.get(f"/console/applications/{record_id}")
    targets = {(a.actor, a.target) for a in audits("view")}
    assert ("staff:worker1", "applications") in targets
    assert ("staff:worker1", f"application:{record_id}") in targets


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"application_id": "1234"}, "application_id", "申請書IDは23けたの数字です。"),
        ({"my_number": "123456789012"}, "my_number", "マイナンバーが正しくありません"),
        ({"name_kana": "Hanako"}, "name_kana", "ひらがなかカタカナで入力してください。"),
        ({"contact_phone": "12345"}, "contact_phone", "電話番号を正しく入力してください"),
        ({"contact_phone": ""}, "contact_phone", "電話番号か、LINE・電話の問い合わせ番号"),
        ({"name": " "}, "name", "入力してください。"),
        ({"consultations": "101"}, "consultations", "相談の回数は0〜100の数"),
        ({"consultations": "two"}, "consultations", "相談の回数は0〜100の数"),
        ({"contact_phone": "", "inquiry_id": "999"}, "inquiry_id", "その番号の問い合わせ"),
    ],
)
def test_a_refused_record_shows_the_reason_in_japanese_next_to_the_field(
    worker, event_id, changes, field, message
):
    resp = add_record(worker, event_id, **changes)
    page = text(resp)
    assert resp.status_code == 422
    assert f'id="{field}-error"' in page and message in page
    assert 'role="alert"' in page
    no_full_numbers(page)  # the numbers are typed again, never sent back
    with db.reader() as s:
        assert s.scalars(select(ApplicationRecord)).first() is None


def test_every_rule_broken_is_shown_at_once(worker, event_id):
    page = text(add_record(worker, event_id, application_id="1", name_kana="abc"))
    assert 'id="application_id-error"' in page and 'id="name_kana-error"' in page


@pytest.mark.parametrize("written", ["{n}", "問-{n:04d}"])
def test_an_inquiry_number_links_the_record_to_that_resident(worker, event_id, written):
    with db.unit_of_work() as s:
        resident = Resident(display_name="花子", line_user_id="U" + "a" * 32)
        s.add(resident)
        s.flush()
        inquiry = Inquiry(resident_id=resident.id, channel="line", category="defect")
        s.add(inquiry)
        s.commit()
        resident_id, inquiry_id = resident.id, inquiry.id
    resp = add_record(worker, event_id, contact_phone="", inquiry_id=written.format(n=inquiry_id))
    assert resp.status_code == 302
    with db.reader() as s:
        assert s.scalars(select(ApplicationRecord)).one().resident_id == resident_id


def test_consultations_are_edited_on_the_record_page(worker, event_id):
    record_id = a_record(worker, event_id)
    path = f"/console/applications/{record_id}/consultations"
    page = f"/console/applications/{record_id}"
    assert post(worker, path, {"consultations": "3"}, page=page).status_code == 302
    refused = post(worker, path, {"consultations": "-1"}, page=page)
    assert refused.status_code == 422 and "相談の回数は0〜100の数" in text(refused)
    with db.reader() as s:
        assert s.get(ApplicationRecord, record_id).consultations == 3


def test_the_my_number_field_says_only_when_unavoidable(worker, event_id):
    page = text(worker.get(f"/console/events/{event_id}/applications"))
    assert "どうしても必要なときだけ" in page


# -- reveal --------------------------------------------------------------------------------


def test_revealing_the_application_id_needs_a_reason_and_is_audited(manager, event_id):
    record_id = a_record(manager, event_id)
    path, page = f"/console/applications/{record_id}/reveal", f"/console/applications/{record_id}"
    refused = post(manager, path, {"field": "application_id", "reason": " "}, page=page)
    assert refused.status_code == 422 and "表示する理由を入力してください。" in text(refused)
    assert not audits("reveal")
    shown = text(
        post(manager, path, {"field": "application_id", "reason": "市からの照会"}, page=page)
    )
    assert APP_ID in shown and "表示した記録が残っています" in shown
    [entry] = audits("reveal")
    assert entry.actor == "staff:boss" and entry.target == f"application:{record_id}:application_id"
    assert entry.reason == "市からの照会"
    again = text(manager.get(page))  # reloading masks it again
    assert APP_ID not in again and "****-****-0123" in again


def test_the_console_never_reveals_the_my_number(manager, event_id):
    record_id = a_record(manager, event_id)
    page = f"/console/applications/{record_id}"
    resp = post(manager, f"/console/applications/{record_id}/reveal",
                {"field": "my_number", "reason": "確認"}, page=page)  # fmt: skip
    assert resp.status_code == 422
    no_full_numbers(text(resp))
    assert not audits("reveal")


def test_a_worker_may_not_reveal(worker, event_id):
    record_id = a_record(worker, event_id)
    page = f"/console/applications/{record_id}"
    assert "表示する理由" not in text(worker.get(page))
    resp = post(worker, f"/console/applications/{record_id}/reveal",
                {"field": "application_id", "reason": "x"}, page=page)  # fmt: skip
    assert resp.status_code == 403


def test_a_reveal_from_the_case_page_comes_back_to_the_case(manager, event_id):
    record_id = a_record(manager, event_id)
    case_id = a_case(manager, record_id)
    page = f"/console/defects/{case_id}"
    shown = post(manager, f"/console/applications/{record_id}/reveal",
                 {"field": "contact_phone", "reason": "電話する", "case_id": str(case_id)},
                 page=page)  # fmt: skip
    body = text(shown)
    assert shown.status_code == 200 and f"不備の案件 不-{case_id:04d}" in body
    assert "+819012345678" in body
    no_full_numbers(body)
    assert audits("reveal")[0].target == f"application:{record_id}:contact_phone"


# -- cases ---------------------------------------------------------------------------------


def test_a_case_is_opened_from_a_record_with_a_reason_from_city_yaml(worker, event_id):
    record_id = a_record(worker, event_id)
    form = text(worker.get(f"/console/applications/{record_id}"))
    for reason in dc.reasons():
        assert f'value="{reason["code"]}"' in form and reason["label"] in form
    case_id = a_case(worker, record_id)
    page = text(worker.get(f"/console/defects/{case_id}"))
    assert "不備の案件を登録しました。" in page
    assert "写真不備" in page and "2026-11-20" in page and "J-LISの通知" in page
    assert 'id="case-status">新規' in page
    assert "下関 花子" in page and "****-****-0123" in page
    no_full_numbers(page)
    with db.reader() as s:
        case = s.get(dc.DefectCase, case_id)
        assert case.record_id == record_id and case.source == dc.JLIS
        assert case.created_by == "staff:worker1"
    assert ("staff:worker1", f"defect:{case_id}") in {(a.actor, a.target) for a in audits("view")}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "nonsense"}, "選ぶか、正しい形で入力してください。"),
        ({"source": "resident"}, "選ぶか、正しい形で入力してください。"),
        ({"found_on": "2026-13-01"}, "日付を正しく入力してください。"),
        ({"found_on": "2999-01-01"}, "今日より後の日付は選べません。"),
    ],
)
def test_a_refused_case_shows_why(worker, event_id, changes, message):
    record_id = a_record(worker, event_id)
    resp = open_case(worker, record_id, **changes)
    assert resp.status_code == 422 and message in text(resp)
    with db.reader() as s:
        assert s.scalars(select(dc.DefectCase)).first() is None


def test_only_the_allowed_next_statuses_are_offered(worker, event_id):
    case_id = a_case(worker, a_record(worker, event_id))
    page = text(worker.get(f"/console/defects/{case_id}"))
    offered = set(re.findall(r'name="status" value="(\w+)"', page))
    assert offered == set(dc.TRANSITIONS[dc.NEW])


def test_a_status_change_is_logged_and_an_illegal_one_is_refused_in_japanese(worker, event_id):
    case_id = a_case(worker, a_record(worker, event_id))
    page = f"/console/defects/{case_id}"
    path = f"/console/defects/{case_id}/status"
    assert post(worker, path, {"status": "resolved"}, page=page).status_code == 302
    body = text(worker.get(page))
    assert 'id="case-status">解決' in body and "新規 → 解決" in body
    assert "この案件は解決しています。" in body
    refused = post(worker, path, {"status": "contacted"}, page=page)  # a stale tab
    assert refused.status_code == 409
    assert "今の状態からは、その状態に変えられません。" in text(refused)
    with db.reader() as s:
        case = s.get(dc.DefectCase, case_id)
        assert case.status == dc.RESOLVED and case.closed_at is not None
        assert [c.outcome for c in case.contacts] == ["status"]


def test_a_call_that_reaches_the_applicant_is_logged_and_moves_the_case(worker, event_id):
    case_id = a_case(worker, a_record(worker, event_id))
    page = f"/console/defects/{case_id}"
    path = f"/console/defects/{case_id}/contacts"
    no_answer = {"channel": "phone", "outcome": "no_answer", "note": "留守電"}
    assert post(worker, path, no_answer, page=page).status_code == 302
    note = f"本人と話した。番号 {MY_NUMBER} は聞かない"
    answered = {"channel": "phone", "outcome": "answered", "note": note}
    assert post(worker, path, answered, page=page).status_code == 302
    body = text(worker.get(page))
    assert "応答なし" in body and "留守電" in body and "本人と話せた" in body
    assert 'id="case-status">本人と連絡がついた' in body
    no_full_numbers(body)  # the note was redacted before it was stored
    with db.reader() as s:
        case = s.get(dc.DefectCase, case_id)
        assert [(c.outcome, c.actor) for c in case.contacts] == [
            ("no_answer", "staff:worker1"), ("answered", "staff:worker1"),
            ("status", "staff:worker1"),
        ]  # fmt: skip


def test_an_empty_note_is_refused(worker, event_id):
    case_id = a_case(worker, a_record(worker, event_id))
    resp = post(worker, f"/console/defects/{case_id}/contacts",
                {"channel": "staff", "outcome": "note", "note": ""},
                page=f"/console/defects/{case_id}")  # fmt: skip
    assert resp.status_code == 422 and "メモを入力してください。" in text(resp)


def test_the_list_filters_by_status_and_reason_and_shows_the_counts(worker, event_id):
    record_id = a_record(worker, event_id)
    first = a_case(worker, record_id)
    second = a_case(worker, record_id)
    open_case(worker, record_id, reason="signature")
    post(worker, f"/console/defects/{first}/status", {"status": "resolved"},
         page=f"/console/defects/{first}")  # fmt: skip
    everything = text(worker.get("/console/defects"))
    assert "案件(3件)" in everything and "合計 3件" in everything
    resolved = text(worker.get("/console/defects?status=resolved"))
    assert f'data-case-id="{first}"' in resolved and f'data-case-id="{second}"' not in resolved
    signature = text(worker.get("/console/defects?reason=signature"))
    assert "案件(1件)" in signature
    with db.reader() as s:
        counts = dc.counts_by_status_and_reason(s)
    assert counts["by_status"]["resolved"] == 1 and counts["by_reason"]["photo"] == 2
    assert re.search(
        r'data-status="resolved">\s*<th scope="row">解決</th>\s*<td>1</td>', everything
    )
    assert ("staff:worker1", "defects") in {(a.actor, a.target) for a in audits("view")}
    no_full_numbers(everything)


def test_the_city_report_counts_defects_without_personal_data(client, event_id):
    make_staff("boss", "general_manager")
    login(client, "boss")
    record_id = a_record(client, event_id)
    a_case(client, record_id)
    make_staff("city", "city_official")
    client.post("/console/logout", data={"csrf_token": csrf(client, "/console/schedule")})
    login(client, "city")
    page = text(client.get("/console/reports/complaints"))
    assert "申請の不備の件数" in page and "合計 1件" in page and "下関" not in page
    assert "合計 0件" in text(client.get("/console/reports/complaints?since=2026-11-21"))
    csv = client.get("/console/reports/defects.csv").get_data(as_text=True)
    assert csv.startswith("\ufeff状態,写真不備,") and "\n新規,1,0,0,0,0,1\n" in csv
    assert csv.rstrip().endswith("計,1,0,0,0,0,1")
    assert [a.target for a in audits("export")] == ["report:defects"]


# -- access --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/console/applications", "/console/defects", "/console/defects/1",
             "/console/applications/1", "/console/events/1/applications"],
)  # fmt: skip
def test_the_pages_need_a_login(client, path):
    resp = client.get(path)
    assert resp.status_code == 302 and "/console/login" in resp.headers["Location"]


def test_posts_without_the_csrf_token_are_refused(worker, event_id):
    resp = worker.post(f"/console/events/{event_id}/applications", data=record_form())
    assert resp.status_code == 400
    with db.reader() as s:
        assert s.scalars(select(ApplicationRecord)).first() is None


def test_the_city_sees_no_records_or_cases(client, event_id):
    make_staff("city", "city_official")
    login(client, "city")
    for path in ("/console/applications", "/console/defects",
                 f"/console/events/{event_id}/applications"):  # fmt: skip
        assert client.get(path).status_code == 403
    nav = text(client.get("/console/schedule"))
    assert "申請の不備" not in nav and "申請の記録" not in nav


def test_the_nav_links_the_new_pages_for_staff(worker):
    nav = text(worker.get("/console/inbox"))
    assert 'href="/console/applications"' in nav and 'href="/console/defects"' in nav


def test_no_console_page_ever_shows_the_my_number_in_full(manager, event_id):
    record_id = a_record(manager, event_id)
    case_id = a_case(manager, record_id)
    post(manager, f"/console/defects/{case_id}/contacts",
         {"channel": "phone", "outcome": "note", "note": f"番号 {MY_NUMBER[:4]} {MY_NUMBER[4:]}"},
         page=f"/console/defects/{case_id}")  # fmt: skip
    pages = [
        "/console/applications", f"/console/events/{event_id}/applications",
        f"/console/applications/{record_id}", "/console/defects", f"/console/defects/{case_id}",
        "/console/reports/complaints", f"/console/events/{event_id}",
    ]  # fmt: skip
    for path in pages:
        resp = manager.get(path)
        assert resp.status_code == 200, path
        no_full_numbers(text(resp))
    revealed = post(manager, f"/console/applications/{record_id}/reveal",
                    {"field": "application_id", "reason": "照会"},
                    page=f"/console/applications/{record_id}")  # fmt: skip
    assert APP_ID in text(revealed) and MY_NUMBER not in text(revealed)
