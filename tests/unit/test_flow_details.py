"""Issue 19, details right: every question with choices offers 戻る, the address keeps
the town, typed 「予約の確認」 reaches the bookings list, residents cancel or resize a visit
request, and the phone never reads LINE wording aloud."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from handlers import phone  # noqa: F401 - registers the phone-first flows
from handlers.contract import Inbound
from handlers.flows import engine
from handlers.flows.registry import load_flows
from handlers.turn import Turn
from models.audit import AuditEntry
from models.conversations import load_conversation
from models.residents import get_or_create_resident
from models.visits import VisitRequest, propose
from tests.booking_factories import NOW, jst, venue_event
from tests.unit.booking_driver import (  # noqa: F401
    USER,
    booking_session,
    open_venue,
    send,
    templates,
    values,
)
from tests.unit.test_visit_flow import pick, to_dates

# Data a step may read; a step that finds nothing to ask leaves the flow (not a question).
SAMPLE = {"kind": "home", "town": "南部町", "postal": "7508521", "area": None, "address": "南部町1番1号",
          "applicants": 2, "dates": [jst(2026, 12, 3, 10).isoformat()], "notes": None,
          "phone": "0832311111", "purpose": "first", "party": 1}  # fmt: skip


def _every_step():
    load_flows()
    return [(f.name, step) for f in engine.FLOWS.values() for step in f.steps]


@pytest.mark.parametrize("flow, step", _every_step())
@pytest.mark.parametrize("channel", ["sandbox", "voice"])
def test_every_question_with_choices_offers_back(session, flow, step, channel):
    event = venue_event(session)
    resident = get_or_create_resident(session, "line" if channel == "sandbox" else "phone",
                                      USER if channel == "sandbox" else "+819012345678")  # fmt: skip
    conv, _ = load_conversation(session, resident.id, channel, NOW)
    conv.flow, conv.step = flow, step
    conv.data = {**SAMPLE, "event_id": event.id, "slot_id": event.slots[0].id, "_stack": []}
    key = USER if channel == "sandbox" else "+819012345678"
    turn = Turn(session, Inbound(channel, key, "text", text="x", at=NOW), resident, conv, NOW)
    engine.ask_again(turn)
    if conv.flow is None:
        return  # nothing to ask without real data: the step left the flow
    for reply in turn.replies:
        if reply.choices and len(reply.choices) < engine.MAX_CHOICES:  # LINE's 13 are full
            assert "g:back" in [c.value for c in reply.choices], (flow, step, reply.template)


def test_the_party_size_refusal_offers_back(session):
    venue_event(session)
    replies = open_venue(session)
    event_value = next(v for v in values(replies) if v.startswith("ev:"))
    send(session, value=event_value)
    slot = next(v for v in values(send(session, value=event_value)) if v.startswith("slot:"))
    send(session, value=slot)
    replies = send(session, "text", text="99人")
    assert templates(replies)[0].startswith("venue/party_")
    assert "g:back" in values(replies)


def test_the_visit_confirmation_keeps_the_town_the_postcode_resolved_to(session):
    to_dates(session, postal="750-8521")
    pick(session, "2026-12-03T10:00")
    send(session, value="done")
    send(session, value="none")
    replies = send(session, "text", text="083-231-1111")
    assert "住所:〒750-8521 下関市南部町1番1号" in replies[0].text()
    send(session, value="yes")
    assert session.scalars(select(VisitRequest)).one().address == "南部町1番1号"


def test_a_full_address_typed_is_not_doubled(session):
    from handlers.flows.visit import with_town

    assert with_town("南部町", "下関市南部町1番1号") == "南部町1番1号"
    assert with_town("南部町", "1番1号") == "南部町1番1号"


def _request(session, status="received"):
    req = VisitRequest(resident_id=get_or_create_resident(session, "line", USER).id,
                       kind="home", postal_code="7508521", address="南部町1番1号", applicants=2,
                       preferred=[], contact_phone="0832311111", channel="line", status=status)  # fmt: skip
    session.add(req)
    session.flush()
    return req


@pytest.mark.parametrize("typed", ["予約の確認", "予約をやめたい", "予約を変更したい", "訪問の日を変えたい"])
def test_typed_phrases_open_the_bookings_list_not_the_faq(session, typed):
    req = _request(session)
    replies = send(session, "text", text=typed)
    assert templates(replies) == ["bookings/list"]
    assert f"vcx:{req.id}" in values(replies) and f"vap:{req.id}" in values(replies)


@pytest.mark.parametrize("channel, key", [("sms", "+819012345678"), ("voice", "+819012345678")])
def test_typed_or_spoken_phrases_reach_the_list_on_sms_and_phone(session, channel, key):
    from handlers.dispatch import dispatch

    replies = dispatch(session, Inbound(channel, key, "text", text="予約の確認", at=NOW), NOW).replies
    assert templates(replies) == ["bookings/none"]


def test_the_list_no_longer_says_press_a_button_without_buttons(session):
    _request(session)
    text = send(session, value="menu:bookings")[0].text()
    assert "変えたいものの下のボタンをおしてください" not in text
    assert "訪問を取り消す" in [c.label for r in send(session, value="menu:bookings") for c in r.choices]


def test_a_resident_cancels_a_visit_request_after_confirming(session):
    req = _request(session)
    proposal = propose(session, req, jst(2026, 12, 3, 10), jst(2026, 12, 3, 11), NOW)
    send(session, value="menu:bookings")
    replies = send(session, value=f"vcx:{req.id}")
    assert templates(replies) == ["bookings/ask_cancel_request"]
    assert values(replies) == ["yes", "no", "g:back"]
    assert templates(send(session, value="no")) == ["bookings/request_kept"]
    assert req.status == "proposed"
    send(session, value="menu:bookings")
    send(session, value=f"vcx:{req.id}")
    replies = send(session, value="yes")
    assert "訪問のお申し込みを取り消しました(受付番号" in replies[0].text()
    assert req.status == "declined" and req.cancelled_at is not None
    assert proposal.status == "withdrawn"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "resident_cancelled")).one()
    assert entry.target == f"visit_request:{req.id}"


def test_a_resident_changes_the_number_of_applicants(session):
    req = _request(session)
    send(session, value="menu:bookings")
    replies = send(session, value=f"vap:{req.id}")
    assert templates(replies) == ["bookings/ask_applicants"] and "g:back" in values(replies)
    assert templates(send(session, value="n:99"))[0] == "visit/applicants_too_large"
    replies = send(session, value="n:3")
    assert "申請する人を3人に変えました" in replies[0].text() and req.applicants == 3


def test_someone_elses_visit_request_cannot_be_cancelled(session):
    req = _request(session)
    send(session, value="menu:bookings", user="U" + "f" * 32)
    replies = send(session, value=f"vcx:{req.id}", user="U" + "f" * 32)
    assert req.status == "received"
    assert "bookings/request_cancelled" not in templates(replies)


# --- the phone reads its own wording ---------------------------------------------------

LINE_ONLY = [
    re.compile(r"送って"), re.compile(r"タップ"), re.compile(r"ボタンを(押|お)"),
    re.compile(r"[((]"), re.compile(r"https?://"),
]  # fmt: skip
# Templates a caller can hear: the flows the phone menu reaches and what the phone says.
VOICE_DIRS = ("menu", "venue", "phone_visit", "defect", "handoff", "errors", "voice", "flow",
              "privacy", "notices")  # fmt: skip
# Not spoken: staff summaries, SMS texts, LINE cards, macro libraries.
NOT_SPOKEN = ("defect/summary", "defect/escalation_summary", "phone_visit/summary",
              "voice/summary/voicemail", "venue/booked_sms", "venue/card_lines", "venue/card_title",
              "notices/macros", "defect/notice",
              "handoff/offer_menu", "handoff/offer_flow", "handoff/resident_left")  # fmt: skip (defect/notice: pushed, LINE or SMS; hand-over silence is LINE/SMS only: the phone has none)
VOICE_FILES = ("bookings/bad_phone", "bookings/list", "bookings/none", "bookings/ask_purpose",
               "bookings/ask_applicants", "faq/ask", "faq/unknown", "faq/suggest")  # fmt: skip


def _voice_templates():
    from handlers.text import TEMPLATE_DIR

    names = set(VOICE_FILES)
    for d in VOICE_DIRS:
        for path in (TEMPLATE_DIR / d).rglob("*.txt"):
            name = str(path.relative_to(TEMPLATE_DIR))
            names.add(name.removesuffix(".txt").removesuffix(".voice"))
    return sorted(names - set(NOT_SPOKEN))


def _spoken_source(name: str) -> str:
    from handlers.text import TEMPLATE_DIR

    voice = TEMPLATE_DIR / f"{name}.voice.txt"
    text = (voice if voice.exists() else TEMPLATE_DIR / f"{name}.txt").read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)  # comments are not read aloud
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "〇", text, flags=re.S)  # nor is template code


def test_the_prompts_named_in_the_issue_have_voice_wording():
    from handlers.text import render

    assert "送って" not in render("bookings/bad_phone", voice=True)
    assert "(" not in render("bookings/bad_phone", voice=True)


@pytest.mark.parametrize("name", _voice_templates())
def test_no_voice_prompt_reads_line_wording_aloud(name):
    source = _spoken_source(name)
    found = [p.pattern for p in LINE_ONLY if p.search(source)]
    assert not found, f"{name}: {found} — add {name}.voice.txt"
