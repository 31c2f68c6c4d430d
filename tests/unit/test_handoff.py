"""A hand-over that respects the resident (issue 19, point 1): free text is for the
person, but buttons staff sent work, 「メニュー」「やめる」 leave politely, staff see taps."""

from __future__ import annotations

from sqlalchemy import select

from handlers.visit_notices import tell_proposed
from models.inquiries import Inquiry, TranscriptLine
from models.residents import get_or_create_resident
from models.visits import VisitRequest, propose
from tests.booking_factories import NOW, jst
from tests.unit.booking_driver import (  # noqa: F401
    USER,
    booking_session,
    send,
    templates,
    values,
)


def resident(session):
    return get_or_create_resident(session, "line", USER)


def handed_over(session) -> Inquiry:
    assert templates(send(session, "text", text="担当者と話したい")) == ["handoff/opened"]
    inquiry = session.scalars(select(Inquiry)).one()
    assert resident(session).handoff_inquiry_id == inquiry.id
    return inquiry


def transcript(session) -> list[tuple[str, str | None, str | None]]:
    rows = session.scalars(select(TranscriptLine).order_by(TranscriptLine.id))
    return [(r.direction, r.template, r.text) for r in rows]


def _request(session):
    req = VisitRequest(resident_id=resident(session).id, kind="home", postal_code="7508521",
                       address="南部町1-1", applicants=1, preferred=[], contact_phone="0832311111",
                       channel="line")  # fmt: skip
    session.add(req)
    session.flush()
    return req


def test_free_text_during_a_hand_over_stays_with_the_person(session):
    handed_over(session)
    assert send(session, "text", text="まだですか?") == []
    assert ("in", None, "まだですか?") in transcript(session)


def test_the_visit_date_staff_proposed_can_be_accepted_during_a_hand_over(session):
    req = _request(session)
    handed_over(session)
    proposal = propose(session, req, jst(2026, 12, 3, 10), jst(2026, 12, 3, 11), NOW)
    tell_proposed(session, proposal)
    replies = send(session, value=f"vp:{proposal.id}:yes")
    assert templates(replies) == ["bookings/proposal_accepted"]
    assert proposal.status == "accepted"
    # Staff read the label the resident saw, not the postback data.
    assert ("in", "transcript/tap", "この日でよい") in transcript(session)
    assert all(f"vp:{proposal.id}" not in (text or "") for _d, _t, text in transcript(session))
    assert resident(session).handoff_inquiry_id is not None  # the person keeps the case


def test_menu_ends_the_hand_over_politely_and_staff_are_told(session):
    inquiry = handed_over(session)
    replies = send(session, "text", text="メニュー")
    assert templates(replies) == ["handoff/resident_left", "menu/main"]
    said = replies[0].text()
    assert "担当者との会話を終えて、自動の案内に戻ります。" in said
    assert f"問-{inquiry.id:04d}" in said
    assert resident(session).handoff_inquiry_id is None
    assert inquiry.status != "closed"  # staff may still answer it
    notes = [text for d, t, text in transcript(session) if d == "note"]
    assert notes == [f"(相談者が「メニュー」と送り、担当者との会話を終えて自動の案内に戻りました。"
                     f"問-{inquiry.id:04d}は未完了のままです。)"]  # fmt: skip
    assert inquiry.handed_back_at is not None  # the inbox shows 「自動応答に戻っています」
    # The bot answers again.
    assert templates(send(session, value="menu:bookings"))[0].startswith("bookings/")


def test_stop_ends_the_hand_over_too(session):
    handed_over(session)
    assert templates(send(session, "text", text="やめる")) == ["handoff/resident_left", "menu/main"]


def test_another_button_during_a_hand_over_offers_the_way_back(session):
    inquiry = handed_over(session)
    replies = send(session, value="some:old:button")
    assert templates(replies) == ["handoff/offer_menu"]
    assert f"いまは担当者がお問い合わせ(問-{inquiry.id:04d})を確認しています。" in replies[0].text()
    assert [c.label for c in replies[0].choices] == ["自動の案内に戻る", "このまま待つ"]
    assert templates(send(session, value="handoff:wait")) == ["handoff/keep_waiting"]
    assert resident(session).handoff_inquiry_id == inquiry.id
    assert templates(send(session, value="g:menu")) == ["handoff/resident_left", "menu/main"]
    taps = [text for d, t, text in transcript(session) if t == "transcript/tap"]
    assert taps[1:] == ["このまま待つ", "自動の案内に戻る"]


def test_a_button_that_starts_a_flow_is_offered_by_name_and_goes_on_there(session):
    inquiry = handed_over(session)
    replies = send(session, value="menu:bookings")
    assert templates(replies) == ["handoff/offer_flow"]
    assert "「予約の確認・変更」に進みますか" in replies[0].text()
    assert "押してください" in replies[0].text()
    go = replies[0].choices[0]
    assert go.label == "進む" and go.value == "handoff:go:menu:bookings"
    assert resident(session).handoff_inquiry_id == inquiry.id  # nothing changed yet
    went = send(session, value=go.value)
    assert resident(session).handoff_inquiry_id is None
    assert templates(went) == ["bookings/none"]  # the list it asked for (empty here)
    notes = [text for d, t, text in transcript(session) if d == "note"]
    assert any("予約の確認・変更" in (n or "") for n in notes)


def test_by_sms_the_offer_asks_for_a_number_not_a_press(session):
    from handlers.handoff import offer_flow, offer_to_leave

    for reply in (offer_flow(12, "bookings", "menu:bookings", sms=True), offer_to_leave(12, sms=True)):
        assert "1を" in reply.text() and "送ってください" in reply.text()
        assert "押して" not in reply.text()


def test_every_tap_is_in_the_transcript_as_its_label(session):
    send(session, "follow")
    send(session, value="menu:faq")
    assert ("in", "transcript/tap", "質問する") in transcript(session)
