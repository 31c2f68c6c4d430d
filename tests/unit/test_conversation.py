"""The channel-independent core, driven with plain objects (no Flask, no LINE)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.contract import Inbound, Reply
from handlers.dispatch import dispatch
from handlers.flows import engine
from handlers.flows.engine import END, Flow, Retry, Step
from models.residents import Resident

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tue 10:00 JST, business hours


@pytest.fixture
def session(database_url):
    from models.crypto import Keyring, install_keyring
    from models.db import db

    install_keyring(Keyring.from_setting(Keyring.generate()))
    db.bind(database_url)
    with db.unit_of_work() as s:
        yield s


def _two_steps() -> Flow:
    def ask_a(turn):
        turn.add(Reply("menu/main"))

    def answer_a(turn):
        if turn.inbound.value == "ok-a":
            turn.remember(a=True)
            return "b"
        return Retry([Reply("faq/need_text")])

    def ask_b(turn):
        turn.add(Reply("faq/need_text"))

    def answer_b(turn):
        turn.add(Reply("flow/resume"))
        return END

    return Flow("two_steps", "a", {"a": Step(ask_a, answer_a), "b": Step(ask_b, answer_b)})


@pytest.fixture
def two_steps():
    flow = engine.register(_two_steps())
    yield flow
    engine.FLOWS.pop(flow.name, None)


def send(session, kind="text", at=T0, user="U" + "1" * 32, **kw) -> list[Reply]:
    outcome = dispatch(session, Inbound("sandbox", user, kind, at=at, **kw), at)
    session.flush()
    return outcome.replies


def templates(replies):
    return [r.template for r in replies]


def test_follow_greets_and_offers_the_main_menu(session):
    replies = send(session, "follow")
    assert templates(replies) == ["menu/greeting"]
    assert [c.value for c in replies[0].choices] == [
        "menu:venue",
        "menu:visit",
        "menu:faq",
        "menu:bookings",
        "menu:defect",
        "menu:notices",
        "g:person",
        "menu:language",
    ]


@pytest.mark.parametrize("word", ["メニュー", "ﾒﾆｭｰ", " menu ", "メニュー。"])
def test_menu_word_shows_the_menu_anywhere(session, two_steps, word):
    from handlers.turn import Turn  # noqa: F401

    send(session, "choice", value="menu:venue")  # no venue flow yet: a clear reply
    replies = send(session, text=word)
    assert templates(replies) == ["menu/main"]


def test_stop_ends_a_flow_and_keeps_nothing(session, two_steps):
    conv = _start(session, two_steps)
    replies = send(session, text="やめる")
    assert templates(replies) == ["menu/stopped"]
    assert conv.flow is None and conv.data == {}


def _start(session, flow):
    from handlers.turn import Turn
    from models.conversations import load_conversation
    from models.residents import get_or_create_resident

    resident = get_or_create_resident(session, "line", "U" + "1" * 32)
    conv, _ = load_conversation(session, resident.id, "sandbox", T0)
    turn = Turn(session, Inbound("sandbox", "U" + "1" * 32, "follow", at=T0), resident, conv, T0)
    engine.start(turn, flow.name)
    from models.conversations import touch

    touch(session, conv, T0, 30)
    session.flush()
    return conv


def test_back_returns_to_the_previous_step(session, two_steps):
    conv = _start(session, two_steps)
    send(session, "choice", value="ok-a")
    assert conv.step == "b"
    replies = send(session, text="戻る")
    assert conv.step == "a" and templates(replies) == ["menu/main"]
    # Back on the first step leaves the flow for the menu.
    send(session, text="もどる")
    assert conv.flow is None


def test_a_wrong_answer_explains_and_asks_again(session, two_steps):
    conv = _start(session, two_steps)
    replies = send(session, "choice", value="something-else")
    assert templates(replies) == ["faq/need_text", "menu/main"]
    assert conv.step == "a"


def test_an_abandoned_flow_expires_after_30_minutes(session, two_steps):
    conv = _start(session, two_steps)
    replies = send(session, "choice", value="ok-a", at=T0 + timedelta(minutes=29))
    assert conv.step == "b"
    late = T0 + timedelta(minutes=29 + 31)
    replies = send(session, "choice", value="menu:faq", at=late)
    assert templates(replies)[0] == "menu/expired"
    assert conv.flow == "faq"


def test_talk_to_a_person_opens_an_inquiry_and_the_bot_goes_quiet(session):
    from models.inquiries import Inquiry

    replies = send(session, text="担当者")
    assert templates(replies) == ["handoff/opened"]
    assert replies[0].handoff and replies[0].context["in_hours"] is True
    inquiry = session.query(Inquiry).one()
    assert inquiry.status == "new"
    assert send(session, text="まだですか?") == []
    assert send(session, "choice", value="g:back") != []  # an offer to leave, not silence
    # Staff hand back: the bot answers again.
    from models.inquiries import hand_back

    hand_back(session, inquiry)
    assert templates(send(session, text="メニュー")) == ["menu/main"]


def test_out_of_hours_handoff_names_the_next_business_morning(session):
    friday_night = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)  # Fri 19:00 JST
    replies = send(session, text="担当者", at=friday_night)
    ctx = replies[0].context
    # Dec 26 is a Saturday, then the year-end closure until Jan 4 (a Monday).
    assert ctx["in_hours"] is False and str(ctx["next_day"]) == "2027-01-05"
    assert "1月5日(火)9:00以降" in replies[0].text()


def test_redacted_text_gets_a_warning(session):
    replies = send(session, text="番号は [MY_NUMBER] です", redacted=True)
    assert templates(replies)[0] == "privacy/do_not_send_numbers"


def test_media_is_answered_with_a_privacy_note(session):
    replies = send(session, "media")
    assert templates(replies)[0] == "privacy/media_not_read"
    assert replies[-1].choices


def test_unfollow_marks_the_resident_unreachable(session):
    send(session, "follow")
    assert send(session, "unfollow") == []
    assert session.query(Resident).one().line_reachable is False


def test_unknown_global_value_is_not_a_crash(session):
    replies = send(session, "choice", value="g:does-not-exist")
    assert replies and replies[-1].choices


# --- issue 15: referrals, English, the related button --------------------------------
def test_another_city_service_gets_the_referral_not_a_card_answer(session):
    replies = send(session, text="燃えるごみの収集日は何曜日ですか")
    assert "faq/referral/other_service" in templates(replies)


def test_an_english_question_is_answered_in_english_and_english_is_offered(session):
    replies = send(session, text="I forgot my PIN for the My Number card. What should I do?")
    assert templates(replies)[:2] == ["faq/answers/pin_forgot_lock", "language/offer"]
    assert [r.locale for r in replies[:2]] == ["en", "en"]  # issue 17
    assert [c.value for c in replies[1].choices] == ["lang:en", "lang:ja"]


def test_a_question_on_two_topics_gets_the_answer_and_a_related_button(session):
    # giving up マイナ保険証 for the 資格確認書: the certificate is answered, the
    # insurance use of the card is one tap away
    replies = send(session, text="マイナ保険証を使うのをやめて資格確認書をもらうにはどうしたらいいですか")
    assert templates(replies)[0] == "faq/answers/shikaku_kakuninsho"
    assert "faq:myna_hokensho" in [c.value for c in replies[0].choices]
    # following the button answers the second topic
    replies = send(session, "choice", value="faq:myna_hokensho")
    assert "faq/answers/myna_hokensho" in templates(replies)


def test_a_request_for_someone_elses_number_is_refused(session):
    replies = send(session, text="他人のマイナンバーを調べてほしいです")
    assert "faq/referral/others_data" in templates(replies)
