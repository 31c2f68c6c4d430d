"""Places in the console: create, edit, the city's approval, archive — the API's rules and audit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from handlers import place_ops
from models import events as ev
from models.approvals import PLACE, Approval
from models.audit import AuditEntry
from models.db import db
from models.places import Place
from tests.console_helpers import login, make_staff, post

PLACE_FORM = {"kind": "venue", "name": "長府公民館 2階", "postal_code": "752-0927",
              "area": "", "address": "下関市長府扇町1-1", "opens": "09:00", "closes": "17:00",
              "phone": "083-245-0000", "note": "駐車場あり"}  # fmt: skip


def _audit(action: str, target: str) -> int:
    with db.reader() as s:
        return s.query(AuditEntry).filter_by(action=action, target=target).count()


def _create(client, **change) -> tuple[object, int | None]:
    resp = post(client, "/console/places/new", {**PLACE_FORM, **change}, page="/console/places/new")
    with db.reader() as s:
        newest = s.query(Place).order_by(Place.id.desc()).first()
        return resp, newest.id if newest else None


def test_a_site_manager_registers_a_venue_and_the_area_comes_from_the_postal_code(client):
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    resp, place_id = _create(client)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/places/{place_id}")
    with db.reader() as s:
        place = s.get(Place, place_id)
        assert (place.postal_code, place.area, place.approved_by_city) == (
            "7520927",
            "chofu",
            False,
        )
    assert _audit("create", f"place:{place_id}") == 1
    page = client.get("/console/places").get_data(as_text=True)
    assert "長府公民館 2階" in page and "市の承認なし" in page and "〒752-0927" in page
    assert 'href="/console/places"' in client.get("/console/inbox").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": ""}, "name", "入力してください。"),
        ({"postal_code": "1000001"}, "postal_code", "下関市内の郵便番号を入力してください。"),
        ({"postal_code": "75"}, "postal_code", "郵便番号は7けたの数字で入力してください"),
        ({"closes": "08:00"}, "closes", "利用時間の終了は開始より後にしてください。"),
        ({"closes": ""}, "closes", "利用時間は開始と終了の両方を入力してください。"),
        ({"phone": "12"}, "phone", "電話番号を正しく入力してください"),
    ],
)
def test_a_place_that_breaks_a_rule_is_refused_next_to_the_field(client, change, field, words):
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    resp, place_id = _create(client, **change)
    assert resp.status_code == 422 and place_id is None
    page = resp.get_data(as_text=True)
    assert f'id="{field}-error"' in page and words in page


def test_the_api_refuses_the_same_place_with_the_same_code(api):
    resp = api.post("/places", {"kind": "venue", "name": "会場", "postal_code": "100-0001"})
    assert resp.status_code == 422 and resp.get_json()["error"] == "postal_outside_city"
    resp = api.post(
        "/places", {"kind": "venue", "name": "会場", "opens": "18:00", "closes": "09:00"}
    )
    assert resp.get_json()["field"] == "closes"
    made = api.post("/places", {"kind": "venue", "name": "会場", "postal_code": "752-0927"})
    assert made.status_code == 201 and made.get_json()["area"] == "chofu"
    with db.reader() as s:  # the API's changes are audited now, as the console's
        assert (
            s.query(AuditEntry)
            .filter_by(action="create", target=f"place:{made.get_json()['id']}")
            .count()
            == 1
        )


def test_a_manager_edits_a_place_and_only_changed_fields_are_audited(client):
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    _resp, place_id = _create(client)
    resp = post(client, f"/console/places/{place_id}", {**PLACE_FORM, "name": "長府公民館 3階"},
                page=f"/console/places/{place_id}")  # fmt: skip
    assert resp.status_code == 302
    with db.reader() as s:
        assert s.get(Place, place_id).name == "長府公民館 3階"
        entry = s.query(AuditEntry).filter_by(action="update", target=f"place:{place_id}").one()
        assert entry.reason == "name"


def test_the_city_approval_records_who_when_and_the_document(client):
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    _resp, place_id = _create(client)
    page = f"/console/places/{place_id}"
    refused = post(client, f"{page}/approval", {"city_approver": "", "approved_on": "2026-11-30"},
                   page=page)  # fmt: skip
    assert refused.status_code == 422
    assert "承認した人(市の部署と名前)を入力してください。" in refused.get_data(as_text=True)
    future = (date.today() + timedelta(days=3)).isoformat()
    refused = post(client, f"{page}/approval", {"city_approver": "市民課 山田", "approved_on": future},
                   page=page)  # fmt: skip
    assert "今日より後の日付は選べません。" in refused.get_data(as_text=True)
    resp = post(client, f"{page}/approval", {"city_approver": "市民課 山田",
                                            "approved_on": "2026-11-30",
                                            "approval_ref": "下市第123号"}, page=page)  # fmt: skip
    assert resp.status_code == 302
    with db.reader() as s:
        place = s.get(Place, place_id)
        assert place.approved_by_city and place.city_approver == "市民課 山田"
        assert (place.approved_on, place.approval_ref) == (date(2026, 11, 30), "下市第123号")
        approval = s.query(Approval).filter_by(target_kind=PLACE, target_id=place_id).one()
        assert approval.login == "mgr" and approval.staff_id is not None
    assert _audit("approve", f"place:{place_id}") == 1
    shown = client.get(page).get_data(as_text=True)
    assert "市の承認あり" in shown and "下市第123号" in shown
    post(client, f"{page}/approval/withdraw", page=page)
    with db.reader() as s:
        assert not s.get(Place, place_id).approved_by_city
    assert _audit("withdraw_approval", f"place:{place_id}") == 1


def test_a_site_manager_cannot_record_the_citys_approval(client):
    make_staff("sm", "site_manager", approved=True)
    login(client, "sm")
    _resp, place_id = _create(client)
    page = f"/console/places/{place_id}"
    assert "市の承認を記録する" not in client.get(page).get_data(as_text=True)
    resp = post(client, f"{page}/approval", {"city_approver": "市民課 山田",
                                            "approved_on": "2026-11-30"}, page=page)  # fmt: skip
    assert resp.status_code == 403


def test_an_archived_place_leaves_the_event_form_and_one_in_use_cannot_be_archived(client):
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    _resp, place_id = _create(client)
    _resp, other_id = _create(client, name="彦島公民館", postal_code="750-0092")
    assert "長府公民館 2階" in client.get("/console/events/new").get_data(as_text=True)
    day = date.today() + timedelta(days=10)
    with db.unit_of_work() as s:
        s.add(ev.SupportEvent(kind="venue", place_id=other_id, status=ev.PLANNED,
                              starts_at=datetime.combine(day, time(10), place_ops.JST),
                              ends_at=datetime.combine(day, time(12), place_ops.JST)))  # fmt: skip
        s.commit()
    refused = post(client, f"/console/places/{other_id}/archive", page="/console/places")
    assert refused.status_code == 422
    assert "これから実施する実施回がある場所はアーカイブできません。" in refused.get_data(
        as_text=True
    )
    resp = post(client, f"/console/places/{place_id}/archive", page="/console/places")
    assert resp.status_code == 302
    assert "長府公民館 2階" not in client.get("/console/events/new").get_data(as_text=True)
    assert "アーカイブ済みの場所(1件)" in client.get("/console/places").get_data(as_text=True)
    form = {"kind": "venue", "place_id": str(place_id), "day": day.isoformat(), "start": "10:00",
            "end": "12:00", "slot_minutes": "30", "capacity": "2"}  # fmt: skip
    refused = post(client, "/console/events/new", form, page="/console/events/new")
    assert refused.status_code == 422 and "アーカイブ済み" in refused.get_data(as_text=True)
    post(client, f"/console/places/{place_id}/archive", {"restore": "1"}, page="/console/places")
    assert (
        _audit("archive", f"place:{place_id}") == 1 and _audit("restore", f"place:{place_id}") == 1
    )


def test_a_worker_sees_places_but_cannot_change_them(client):
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    _resp, place_id = _create(client)
    client.post("/console/logout", data={"csrf_token": ""})
    worker = client.application.test_client()
    make_staff("w", "worker")
    login(worker, "w")
    assert worker.get("/console/places").status_code == 200
    assert worker.get("/console/places/new").status_code == 403
    resp = post(worker, f"/console/places/{place_id}", PLACE_FORM, page="/console/places")
    assert resp.status_code == 403


def test_a_home_is_not_shown_in_the_console_places(client):
    make_staff("mgr", "general_manager")
    login(client, "mgr")
    with db.unit_of_work() as s:
        home = Place(kind="home", name="山田様宅", approved_by_city=True)
        s.add(home)
        s.commit()
        home_id = home.id
    assert "山田様宅" not in client.get("/console/places").get_data(as_text=True)
    assert client.get(f"/console/places/{home_id}").status_code == 404
