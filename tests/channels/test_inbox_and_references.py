"""Issue 19, points 5 and 6: one numbering residents can quote and staff can search;
the inbox holds every item that needs a person, each its own row, counted right."""

from __future__ import annotations

from sqlalchemy import select

from models import defects as dc
from models.base import utcnow
from models.bookings import book
from models.db import db
from models.inquiries import Inquiry, hand_back
from models.phone import request_callback
from models.residents import Resident as ResidentRow
from models.visits import VisitRequest
from tests.booking_factories import venue_event
from tests.console_helpers import escalate, login, make_staff
from tests.line_helpers import Resident, texts


def _report_a_defect(person: Resident) -> list:
    person.say("不備の通知が来た")
    person.choose("defect:reason:photo")
    return person.choose("defect:name:skip")


def test_a_residents_defect_report_is_its_own_inbox_item_with_the_reason_in_words(
    live, client, new_user_id
):
    person = Resident(live, new_user_id)
    older = escalate(person)  # an unrelated question, still open after staff hand back
    with db.unit_of_work() as s:
        hand_back(s, s.get(Inquiry, older))
        s.commit()
    told = texts(_report_a_defect(person))
    with db.reader() as s:
        [case] = s.scalars(select(dc.DefectCase)).all()
        assert case.inquiry_id is not None and case.inquiry_id != older
        report = s.get(Inquiry, case.inquiry_id)
        assert report.category == "defect"
        notes = [a.note for a in case.contacts if a.note]
        case_id, report_id = case.id, report.id
    assert f"(受付番号 不-{case_id:04d})" in told
    assert notes and notes[0].startswith("住民からの連絡: 写真不備")
    make_staff("w1", "worker")
    login(client, "w1")
    inbox = client.get("/console/inbox").get_data(as_text=True)
    assert "問い合わせ(2件)" in inbox
    assert f"問-{report_id:04d}" in inbox and f"問-{older:04d}" in inbox
    assert f'href="/console/defects/{case_id}">不-{case_id:04d}</a>' in inbox
    page = client.get(f"/console/defects/{case_id}").get_data(as_text=True)
    assert "住民からの連絡: 写真不備" in page and "住民からの連絡: photo" not in page


def test_a_voicemail_waiting_on_an_inquiry_is_listed_and_counted(live, client):
    with db.unit_of_work() as s:
        resident = ResidentRow(phone="+818312345678")
        s.add(resident)
        s.flush()
        inquiry = Inquiry(resident_id=resident.id, channel="voice", category="question")
        s.add(inquiry)
        s.flush()
        request_callback(s, resident_id=resident.id, reason="voicemail", phone="0831234567",
                         inquiry_id=inquiry.id, call_sid="CA1")  # fmt: skip
        request_callback(s, resident_id=resident.id, reason="visit_request", phone="0831234567")
        s.commit()
        inquiry_id = inquiry.id
    make_staff("w1", "worker")
    login(client, "w1")
    inbox = client.get("/console/inbox").get_data(as_text=True)
    assert "折り返しの依頼・留守番電話(2件)" in inbox
    assert "未対応の折り返しはありません" not in inbox
    section = inbox.split('id="callbacks-h"')[1]
    assert "留守番電話" in section and "訪問依頼" in section
    assert f'href="/console/inquiries/{inquiry_id}">問-{inquiry_id:04d}</a>' in section


def test_the_search_box_takes_a_reference_to_its_record(live, client, new_user_id):
    inquiry_id = escalate(Resident(live, new_user_id))
    with db.unit_of_work() as s:
        resident = s.scalars(select(ResidentRow)).first()
        event = venue_event(s)
        booking = book(s, resident_id=resident.id, slot_id=event.slots[0].id, party_size=2,
                       channel="line").booking  # fmt: skip
        request = VisitRequest(resident_id=resident.id, kind="home", postal_code="7508521",
                               address="南部町1-1", applicants=2, preferred=[],
                               contact_phone="0832311111", channel="line")  # fmt: skip
        s.add(request)
        case = dc.open_case(s, reason="photo", source=dc.RESIDENT, resident_id=resident.id,
                            created_by="test", now=utcnow())
        s.commit()
        code, request_id, case_id = booking.code, request.id, case.id
    make_staff("w1", "worker")
    login(client, "w1")
    assert 'role="search"' in client.get("/console/inbox").get_data(as_text=True)
    found = client.get("/console/find", query_string={"ref": f"問-{inquiry_id:04d}"})
    assert found.status_code == 302 and found.location.endswith(f"/console/inquiries/{inquiry_id}")
    found = client.get("/console/find", query_string={"ref": f"不{case_id}"})
    assert found.status_code == 302 and found.location.endswith(f"/console/defects/{case_id}")
    page = client.get("/console/find", query_string={"ref": f"予-{code.lower()}"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and f"会場の予約 予-{code}" in body and "予約中" in body
    page = client.get("/console/find", query_string={"ref": f"訪 {request_id:04d}"})
    assert page.status_code == 200 and f"訪問依頼 訪-{request_id:04d}" in page.get_data(as_text=True)
    missing = client.get("/console/find", query_string={"ref": "問-9999"})
    assert missing.status_code == 404
    assert "「問-9999」に当たる受付は見つかりません。" in missing.get_data(as_text=True)
    bad = client.get("/console/find", query_string={"ref": "12345"})
    assert bad.status_code == 400 and "受付番号の形ではありません" in bad.get_data(as_text=True)


def test_the_hand_over_message_quotes_the_same_reference_staff_search(live, new_user_id):
    person = Resident(live, new_user_id)
    person.send("follow")
    said = texts(person.say("担当者"))
    with db.reader() as s:
        inquiry_id = max(i.id for i in s.query(Inquiry).all())
    assert f"担当者におつなぎします。(受付番号 問-{inquiry_id:04d})" in said
