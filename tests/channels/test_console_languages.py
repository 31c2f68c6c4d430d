"""Staff see each resident's language, canned replies come in it, Japanese is flagged (issue 17)."""

from __future__ import annotations

from tests.console_helpers import escalate, login, make_staff, post
from tests.line_helpers import Resident as LineResident
from tests.line_helpers import texts


def _vietnamese_inquiry(live, user_id: str) -> tuple[LineResident, int]:
    resident = LineResident(live, user_id)
    resident.choose("lang:vi")
    inquiry_id = escalate(resident)
    resident.new_messages()
    return resident, inquiry_id


def test_the_inbox_and_the_inquiry_show_the_residents_language(live, client, new_user_id):
    _resident, inquiry_id = _vietnamese_inquiry(live, new_user_id)
    make_staff("w1", "worker")
    login(client, "w1")
    inbox = client.get("/console/inbox").get_data(as_text=True)
    assert "Tiếng Việt(ベトナム語)" in inbox
    page = client.get(f"/console/inquiries/{inquiry_id}").get_data(as_text=True)
    assert 'id="resident-language">Tiếng Việt(ベトナム語)' in page
    # Canned replies are offered in Vietnamese, with the Japanese for staff to read.
    assert "定型文の日本語" in page and "(Tiếng Việt(ベトナム語))" in page


def test_a_japanese_reply_to_a_vietnamese_resident_is_held_until_staff_confirm(
    live, client, new_user_id
):
    resident, inquiry_id = _vietnamese_inquiry(live, new_user_id)
    make_staff("w1", "worker")
    login(client, "w1")
    path = f"/console/inquiries/{inquiry_id}/reply"
    held = post(client, path, {"text": "明日の会場は10時からです。", "via": "line"})
    assert held.status_code == 422
    page = held.get_data(as_text=True)
    assert "このまま日本語で送る" in page and "明日の会場は10時からです。" in page  # nothing lost
    assert resident.new_messages() == []
    sent = post(client, path, {"text": "明日の会場は10時からです。", "via": "line",
                               "send_japanese": "1"})  # fmt: skip
    assert sent.status_code == 302
    assert "明日の会場は10時からです。" in texts(resident.new_messages())


def test_a_reply_written_in_the_residents_language_goes_out_in_its_wrapper(
    live, client, new_user_id
):
    resident, inquiry_id = _vietnamese_inquiry(live, new_user_id)
    make_staff("w1", "worker")
    login(client, "w1")
    resp = post(client, f"/console/inquiries/{inquiry_id}/reply",
                {"text": "Ngày mai quầy mở lúc 10 giờ.", "via": "line"})  # fmt: skip
    assert resp.status_code == 302
    got = texts(resident.new_messages())
    assert "Ngày mai quầy mở lúc 10 giờ." in got and "担当者より" not in got
