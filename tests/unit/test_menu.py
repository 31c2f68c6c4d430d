"""The main menu: every item fits LINE, leads somewhere, and the phone keypad offers it too."""

from __future__ import annotations

import pytest

from bot.line.render import MAX_LABEL, MAX_QUICK_REPLIES
from bot.twilio_voice import keypad
from handlers import menu, phone
from handlers.contract import Reply
from handlers.text import label
from tests.unit.booking_driver import booking_session, send, templates  # noqa: F401

# The phone asks for a call-back instead of the LINE visit form (handlers.phone).
# A call: Language is key 7 (English), 8 the other languages (issue 17).
PHONE_EQUIVALENT = {"menu:visit": phone.PHONE_VISIT_VALUE, "menu:language": "lang:en"}


def test_the_defect_report_is_on_the_main_menu_before_the_person():
    values = [value for _name, value in menu.MAIN_MENU]
    assert "menu:defect" in values and values[-2] == "g:person"
    assert values[-1] == "menu:language"  # issue 17: Language / 言語, last
    assert label("defect") == "申請の不備の通知が来た"


@pytest.mark.parametrize(("name", "value"), menu.MAIN_MENU)
def test_every_main_menu_label_fits_a_line_button(name, value):
    assert 0 < len(label(name)) <= MAX_LABEL, (name, label(name))


def test_the_main_menu_fits_in_the_quick_replies():
    assert len(menu.main_menu_choices()) <= MAX_QUICK_REPLIES


def test_the_phone_keypad_offers_every_main_menu_item():
    from handlers.flows.registry import load_flows

    load_flows()  # key 5 (my bookings) is read once its flow is registered
    keyed = {choice.value: key for key, choice in phone.phone_main_menu()}
    for _name, value in menu.MAIN_MENU:
        if value == "g:person":
            assert phone.GLOBAL_KEYS[phone.PERSON_KEY] == value  # 0 on every menu
            continue
        assert PHONE_EQUIVALENT.get(value, value) in keyed, value
    assert keyed["menu:defect"] == "4"


@pytest.mark.parametrize("voice", [True, False])
def test_the_main_menu_on_the_phone_and_by_sms_keeps_its_fixed_keys(voice):
    pad = keypad.build([menu.main_menu()], voice=voice)
    items = {key: value for key, _label, value, _params in pad.items}
    assert items["1"] == "menu:venue" and items["4"] == "menu:defect"


def test_the_menu_item_starts_the_defect_questions(session):
    replies = send(session, value="menu:defect")
    assert templates(replies) == ["defect/ask"]


def test_the_menu_is_offered_with_the_defect_item(session):
    replies = send(session, text="メニュー")
    assert isinstance(replies[-1], Reply)
    assert "menu:defect" in [c.value for c in replies[-1].choices]
