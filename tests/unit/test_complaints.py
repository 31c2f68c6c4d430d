"""Complaints reach a person and the city at once: the bot recognises words of complaint
(handlers/data/complaint_words.yaml) at the top level, mid-flow and while a person has
the conversation; the city's summary names nobody."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.city_summary import summary_for_city
from handlers.complaints import is_complaint
from models.audit import AuditEntry
from models.city_notices import CityNotice
from models.inquiries import Inquiry
from models.outbox import OutboxMessage
from models.residents import Resident
from tests.booking_factories import NOW
from tests.unit.booking_driver import USER, booking_session, send, templates  # noqa: F401


def inquiries(session) -> list[Inquiry]:
    return list(session.scalars(select(Inquiry)))


def notices(session) -> list[CityNotice]:
    return list(session.scalars(select(CityNotice)))


def emails(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")))


@pytest.mark.parametrize(
    "text",
    ["職員の対応が悪い", "苦情を言いたいのですが", "クレームです", "責任者を出してください",
     "説明と違うじゃないか、納得できない", "市に苦情を入れます"],
)
def test_words_of_complaint_are_recognised(text):
    assert is_complaint(text)


@pytest.mark.parametrize(
    "text",
    ["申請の方法を教えて", "会場はどこですか", "騒音の苦情はどこに言えばいい", "担当者", "",
     "写真が悪いと言われた"],
)
def test_other_words_are_not_a_complaint(text):
    assert not is_complaint(text)


def test_a_complaint_goes_to_a_person_marked_and_the_city_is_told_at_once(session):
    replies = send(session, kind="text", text="窓口の対応が悪い。苦情を言いたい")
    assert templates(replies) == ["handoff/complaint"] and replies[0].handoff
    [inquiry] = inquiries(session)
    assert inquiry.category == "complaint"
    assert (inquiry.complaint_marked_at, inquiry.complaint_marked_by) == (NOW, "bot")
    resident = session.get(Resident, inquiry.resident_id)
    assert resident.handoff_inquiry_id == inquiry.id  # the bot is silent now
    [notice] = notices(session)
    assert notice.created_at == NOW and notice.summary == "窓口の対応が悪い。苦情を言いたい"
    [email] = emails(session)
    assert email.recipient == "shimin-service@city.shimonoseki.example"
    assert email.next_attempt_at == NOW  # due now, whatever the hour
    assert email.payload["notice_id"] == notice.id and notice.outbox_id == email.id
    audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "notify_city")).one()
    assert (audited.actor, audited.target) == ("bot", f"inquiry:{inquiry.id}")


def test_a_complaint_in_the_middle_of_a_flow_also_reaches_a_person(session):
    send(session, value="menu:visit")
    replies = send(session, kind="text", text="前に来た人の態度が悪かった。責任者と話したい")
    assert templates(replies) == ["handoff/complaint"]
    assert [i.category for i in inquiries(session)] == ["complaint"]


def test_while_a_person_has_the_case_words_of_complaint_mark_it_once(session):
    send(session, kind="text", text="担当者")
    [inquiry] = inquiries(session)
    assert inquiry.category == "other" and notices(session) == []
    assert send(session, kind="text", text="まだですか。対応がひどい") == []  # the bot stays silent
    assert inquiry.category == "complaint" and inquiry.complaint_marked_by == "bot"
    assert send(session, kind="text", text="納得できない") == []
    assert len(notices(session)) == 1 and len(emails(session)) == 1


def test_the_citys_summary_names_nobody_and_holds_no_number():
    text = ("担当の山田さんの態度が悪い。私は下関花子、電話は090-1234-5678、"
            "マイナンバーは1234 5678 9018、メールは hanako@example.jp です")  # fmt: skip
    summary = summary_for_city(text, names=["下関 花子", "山田 太郎"])
    for secret in ("山田", "花子", "下関花子", "090", "5678", "1234", "hanako"):
        assert secret not in summary, secret
    assert "態度が悪い" in summary and "[NAME]" in summary and "[NUMBER]" in summary


def test_a_name_recognised_by_the_dictionary_is_hidden_too():
    summary = summary_for_city("鈴木一郎と申しますが、説明が違った")
    assert "鈴木" not in summary and "一郎" not in summary and "説明が違った" in summary


def test_the_summary_keeps_words_that_only_look_like_names():
    assert summary_for_city("皆さんお客様への対応が悪い") == "皆さんお客様への対応が悪い"
