"""The main menu and where each of its items leads."""

from __future__ import annotations

from handlers.contract import Choice, Reply
from handlers.text import label

# (label macro, value). Values are what LINE postbacks, the rich menu and
# phone keys send; flows are looked up in MENU_FLOWS. "menu:defect" is not in
# MENU_FLOWS: handlers.defects.route starts that flow (it also takes the
# trigger words and the buttons under a defect notice). The phone reads its
# own keypad layout of these items (handlers.phone.phone_main_menu, key 4 =
# defect); the rich menu keeps its six tiles and reaches this item through
# its "menu" tile.
MAIN_MENU = (
    ("venue", "menu:venue"),
    ("visit", "menu:visit"),
    ("faq", "menu:faq"),
    ("bookings", "menu:bookings"),
    ("defect", "menu:defect"),
    ("notices", "menu:notices"),
    ("person", "g:person"),
    ("language", "menu:language"),  # issue 17: handlers/language.py
)
MENU_FLOWS = {
    "menu:venue": "venue",
    "menu:visit": "visit",
    "menu:faq": "faq",
    "menu:bookings": "bookings",
    "menu:notices": "notices",  # notice settings and 配信停止 (issue 14)
}


def main_menu_choices() -> list[Choice]:
    return [Choice(label(name), value) for name, value in MAIN_MENU]


def main_menu(template: str = "menu/main", **context: object) -> Reply:
    return Reply(template, dict(context), choices=main_menu_choices())
