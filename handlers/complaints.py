"""Complaints (苦情): recognised in a resident's words or marked by staff, and told to
the city at once (仕様書: 「遅延なく」).

Marking an inquiry a complaint (``mark_complaint``) records when and by whom,
then — once per inquiry — raises the city's console alert and queues an
e-mail-style notice through the outbox (channel ``email``) to the city's
contact (``city.yaml`` ``contacts.complaints_email``), with a summary that
names nobody (``handlers.city_summary``). The notice is queued for now, not for
the next business morning: a complaint at 16:55 on a Friday reaches the city
that Friday. The text is rendered when it is sent (``bot/email.py``).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.city_summary import summary_for_city
from handlers.words import normalize
from models.audit import audit
from models.city import city
from models.city_notices import CityNotice, notice_for
from models.inquiries import Inquiry, TranscriptLine
from models.outbox import enqueue
from models.residents import Resident
from models.staff import list_staff
from scheduler.business_calendar import JST

COMPLAINT = "complaint"
BOT = "bot"  # who marked it, when the resident's words did
NOTICE_TEMPLATE, SUBJECT_TEMPLATE = "city/complaint_notice", "city/complaint_subject"
WORDS = Path(__file__).parent / "data" / "complaint_words.yaml"
RECENT_LINES = 3  # the resident's latest lines summarised when staff mark a complaint


@lru_cache(maxsize=1)
def _phrases() -> tuple[str, ...]:
    with open(WORDS, encoding="utf-8") as fh:
        table = yaml.safe_load(fh)
    return tuple(normalize(p) for group in ("complaint", "request") for p in table[group])


def is_complaint(text: str | None) -> bool:
    """The resident's words are a complaint, or a request to complain."""
    said = normalize(text or "")
    return bool(said) and any(p in said for p in _phrases())


def _local(at: datetime) -> str:
    return at.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def city_contact() -> str | None:
    return (city().get("contacts") or {}).get("complaints_email") or None


def _names(session: Session, inquiry: Inquiry) -> list[str | None]:
    """Names to hide from the city: the resident's display name and every staff name."""
    resident = session.get(Resident, inquiry.resident_id)
    return [resident.display_name if resident else None, *(p.name for p in list_staff(session))]


def _recent_words(session: Session, inquiry: Inquiry) -> str:
    """The resident's latest lines since the inquiry opened (already free of My Numbers)."""
    rows = session.scalars(
        select(TranscriptLine.text)
        .where(
            TranscriptLine.resident_id == inquiry.resident_id,
            TranscriptLine.direction == "in",
            TranscriptLine.at >= inquiry.opened_at,
        )
        .order_by(TranscriptLine.id.desc())
        .limit(RECENT_LINES)
    ).all()
    lines = [t for t in reversed(rows) if t]
    return "\n".join(lines) or (inquiry.summary or "")


def mark_complaint(
    session: Session, inquiry: Inquiry, *, by: str, now: datetime, text: str | None = None
) -> CityNotice | None:
    """Make ``inquiry`` a complaint and tell the city; the new notice, or None when the
    city was told about this inquiry already.

    ``by``: ``"bot"`` or the staff member's audit name; ``text``: what to summarise
    (default: the resident's latest lines, or the inquiry's summary).
    """
    inquiry.category = COMPLAINT
    if inquiry.complaint_marked_at is None:
        inquiry.complaint_marked_at, inquiry.complaint_marked_by = now, by
    if notice_for(session, inquiry.id) is not None:
        return None
    summary = summary_for_city(text or _recent_words(session, inquiry), _names(session, inquiry))
    notice = CityNotice(inquiry_id=inquiry.id, created_at=now, summary=summary,
                        recipient=city_contact())  # fmt: skip
    session.add(notice)
    session.flush()
    if notice.recipient:
        context = {
            "inquiry_id": inquiry.id, "channel": inquiry.channel,
            "opened_at": _local(inquiry.opened_at), "marked_at": _local(now),
            "marked_by_bot": by == BOT, "summary": summary,
        }  # fmt: skip
        message = enqueue(session, channel="email", kind="email", recipient=notice.recipient,
                          payload={"template": NOTICE_TEMPLATE, "context": context,
                                   "subject_template": SUBJECT_TEMPLATE,
                                   "link_path": f"/console/complaints/{inquiry.id}",
                                   "notice_id": notice.id},
                          source="city_notice", not_before=now)  # fmt: skip
        notice.outbox_id = message.id
    else:
        notice.email_error = "no city e-mail configured"
    audit(session, by, "notify_city", f"inquiry:{inquiry.id}", "complaint")
    return notice
