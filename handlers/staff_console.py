"""What staff do to an escalated inquiry: reply, log a call-back, assign, hand back.

Each function works inside the caller's unit of work and returns the outbox
message ids to deliver after the commit. No Flask here: the console routes
call these, and a test can too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handlers.complaints import COMPLAINT, mark_complaint
from handlers.contract import Reply
from handlers.notify import notify
from handlers.text import TEMPLATE_DIR, render
from models import locales
from models.city_notices import CityNotice
from models.inquiries import (
    ANSWERED,
    CATEGORIES,
    CLOSED,
    IN_PROGRESS,
    NEW,
    Inquiry,
    hand_back,
    log_line,
)
from models.phone import PhoneCallback
from personal_numbers.redact import redact

REPLY_TEMPLATE = "staff/reply"
HANDED_BACK_TEMPLATE = "staff/handed_back"
PHONE_NOTE_TEMPLATE = "staff/phone_call"  # marks a transcript line as a logged call
MAX_REPLY_CHARS = 4000  # LINE allows 5,000 per text; the wrapper adds a header
CANNED_DIR = TEMPLATE_DIR / "staff" / "canned"
_TITLE = re.compile(r"\{#-?\s*title:\s*(.+?)\s*-?#\}")

EMPTY, TOO_LONG, CLOSED_ALREADY, BAD_CATEGORY = "empty", "too_long", "closed", "bad_category"


@dataclass(frozen=True)
class Canned:
    name: str
    title: str
    text: str  # in the resident's language: what is sent
    japanese: str = ""  # for staff to read what they send
    locale: str = locales.DEFAULT

    @property
    def translated(self) -> bool:
        return self.locale != locales.DEFAULT


def canned_replies(language: str | None = None) -> list[Canned]:
    """The canned replies under templates/messages/staff/canned/, rendered in the
    resident's language (issue 17), each with its Japanese for staff."""
    locale = locales.normalise(language)
    out = []
    for path in sorted(CANNED_DIR.glob("*.txt")):
        match = _TITLE.search(path.read_text(encoding="utf-8"))
        name = path.stem
        key = f"staff/canned/{name}"
        japanese = render(key, locale=locales.DEFAULT)
        out.append(Canned(name, match.group(1) if match else name,
                          render(key, locale=locale), japanese, locale))  # fmt: skip
    return out


_KANA = re.compile("[\u3040-\u30ff]")


def japanese_to_foreign(language: str | None, text: str | None) -> bool:
    """A reply with kana to a resident served in a language other than Japanese:
    staff are asked to use the canned text or write in that language first."""
    return locales.normalise(language) not in ("ja", "ja_easy") and bool(_KANA.search(text or ""))


def _check_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        return EMPTY
    if len(text) > MAX_REPLY_CHARS:
        return TOO_LONG
    return ""


def _answered(inquiry: Inquiry, staff_id: int, now: datetime) -> None:
    if inquiry.first_answer_at is None:
        inquiry.first_answer_at = now
    if inquiry.assignee_id is None:
        inquiry.assignee_id = staff_id
    inquiry.status = ANSWERED


def send_reply(
    session: Session, inquiry: Inquiry, text: str, *, staff_id: int, now: datetime
) -> tuple[list[int], str]:
    """Queue the staff reply (LINE push, or SMS when LINE cannot reach them).

    Returns (outbox ids, error code or "").
    """
    if inquiry.status == CLOSED:
        return [], CLOSED_ALREADY
    error = _check_text(text)
    if error:
        return [], error
    clean = redact(text.strip()).text
    msg = notify(
        session, inquiry.resident_id, [Reply(REPLY_TEMPLATE, {"text": clean})], source="staff_reply"
    )
    log_line(session, inquiry.resident_id, inquiry.channel, "out", clean, REPLY_TEMPLATE, now)
    _answered(inquiry, staff_id, now)
    return [msg.id], ""


def log_phone_call(
    session: Session, inquiry: Inquiry, note: str, *, staff_id: int, now: datetime
) -> str:
    """A call-back made by phone: the note goes to the transcript, tasks are done."""
    if inquiry.status == CLOSED:
        return CLOSED_ALREADY
    error = _check_text(note)
    if error:
        return error
    clean = redact(note.strip()).text
    log_line(session, inquiry.resident_id, "voice", "out", clean, PHONE_NOTE_TEMPLATE, now)
    for task in session.query(PhoneCallback).filter(
        PhoneCallback.inquiry_id == inquiry.id, PhoneCallback.done_at.is_(None)
    ):
        task.done_at = now
    _answered(inquiry, staff_id, now)
    return ""


def complete_callback(task: PhoneCallback, now: datetime) -> None:
    if task.done_at is None:
        task.done_at = now


def assign(inquiry: Inquiry, staff_id: int | None) -> None:
    inquiry.assignee_id = staff_id
    if staff_id is not None and inquiry.status == NEW:
        inquiry.status = IN_PROGRESS


def set_category(
    session: Session, inquiry: Inquiry, category: str, *, by: str, now: datetime,
    note: str | None = None,
) -> tuple[str, CityNotice | None]:  # fmt: skip
    """Set the category; a complaint tells the city at once (``note``: the summary staff
    wrote for the city, else the resident's latest lines). Returns (error code or "",
    the new notice to the city, whose ``outbox_id`` the caller delivers after commit)."""
    if category not in CATEGORIES:
        return BAD_CATEGORY, None
    if category == COMPLAINT:
        return "", mark_complaint(session, inquiry, by=by, now=now, text=(note or "").strip())
    inquiry.category = category
    return "", None


def give_back(session: Session, inquiry: Inquiry, *, close: bool, now: datetime) -> list[int]:
    """Hand the resident back to the bot (and close, if asked); tell them."""
    if inquiry.status == CLOSED:
        return []
    hand_back(session, inquiry, close=close)
    inquiry.handed_back_at = now
    if close:
        inquiry.closed_at = now
    msg = notify(
        session, inquiry.resident_id, [Reply(HANDED_BACK_TEMPLATE)], source="staff_hand_back"
    )
    log_line(session, inquiry.resident_id, inquiry.channel, "out", None, HANDED_BACK_TEMPLATE, now)
    return [msg.id]


def close(session: Session, inquiry: Inquiry, *, now: datetime) -> list[int]:
    return give_back(session, inquiry, close=True, now=now)
