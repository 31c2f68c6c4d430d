"""The main menu and where each of its items leads."""

from __future__ import annotations

from handlers.contract import Choice, Reply
from handlers.text import label

# (label macro, value). Values are what LINE postbacks, the rich menu and
# phone keys send; flows are looked up in MENU_FLOWS.
MAIN_MENU = (
    ("venue", "menu:venue"),
    ("visit", "menu:visit"),
    ("faq", "menu:faq"),
    ("bookings", "menu:bookings"),
    ("person", "g:person"),
)
MENU_FLOWS = {
    "menu:venue": "venue",
    "menu:visit": "visit",
    "menu:faq": "faq",
    "menu:bookings": "bookings",
}


def main_menu_choices() -> list[Choice]:
    return [Choice(label(name), value) for name, value in MAIN_MENU]


def main_menu(template: str = "menu/main", **context: object) -> Reply:
    return Reply(template, dict(context), choices=main_menu_choices())
