"""What residents receive from an announcement, built once for the send and the preview.

LINE: ``replies`` (a text, an optional event card with a booking button, and
quick replies to book or to stop notices), rendered to LINE JSON by the
adapter (``bot.line.render``) at send time and in the console's preview;
SMS: one text from ``announce/notice_sms`` (how to book by phone or LINE,
and STOP), exactly as the outbox sends it.
"""

from __future__ import annotations

from typing import Any

from handlers import booking_views as views
from handlers.contract import Choice, Reply
from handlers.text import label, render
from models.announcements import Announcement
from models.events import SupportEvent


def _event(event: SupportEvent | None) -> dict[str, Any] | None:
    return views.event_context(event) if event is not None else None


def replies(a: Announcement, event: SupportEvent | None) -> list[Reply]:
    choices = [Choice(label("venue"), "menu:venue"), Choice(label("unsubscribe"), "g:unsubscribe")]
    context = {"title": a.title, "body": a.body, "event": _event(event)}
    reply = Reply("announce/notice", context, choices)
    if event is not None:
        ctx = views.event_context(event)
        card = {
            "title": render("venue/card_title", **ctx),
            "lines": render("announce/card_lines", **ctx).splitlines(),
            "choices": [Choice(label("event_booking"), "menu:venue")],
        }
        reply.payload = {"type": "cards", "alt": a.title, "cards": [card]}
    return [reply]


def reply_dicts(a: Announcement, event: SupportEvent | None) -> list[dict[str, Any]]:
    return [r.to_dict() for r in replies(a, event)]


def sms_text(a: Announcement, event: SupportEvent | None) -> str:
    return render("announce/notice_sms", title=a.title, body=a.body, event=_event(event))
