"""Announcements: compose, check, approve, dispatch and settle (issue 14). No Flask.

Every refusal is a code (``templates/console/_labels.html`` words it): a
notice with no area or channel, an audience of zero, a time outside business
hours or already past, more LINE messages than the month's quota has left
(counting what is approved and not sent yet), a quota LINE would not tell us,
approval by the composer or by anyone but the general manager. ``quota`` is a
callable the adapter passes in (``LineClient.quota``): it returns an object
with ``limit`` (None: no limit) and ``used``, or raises.

Dispatch fixes the recipients and writes the outbox rows in one transaction,
after one conditional UPDATE approved → sending: LINE friends in multicast
batches of at most 500 (each batch one row, one stable retry key), phone-only
residents one SMS each; residents who blocked the account or sent STOP are
recorded as blocked and sent nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import announce_render as render
from models import announcements as an
from models import notices as nt
from models.areas import get_area
from models.base import utcnow
from models.city import city
from models.events import APPROVED, OPEN, VENUE, get_event
from models.outbox import DEAD, SENT, OutboxMessage, enqueue
from models.staff import GENERAL_MANAGER
from personal_numbers.redact import redact
from scheduler.business_calendar import JST, within_business_hours

MULTICAST_MAX = 500  # LINE: MulticastRequest.to maxItems
Quota = Callable[[], Any]


def prefetched(quota: Quota) -> Quota:
    """Ask LINE once, before any write transaction opens (the sandbox stand-in writes to the
    same SQLite file); the returned callable gives that answer or raises its error again."""
    try:
        value = quota()
    except Exception as exc:  # noqa: BLE001 - kept, raised again by the callable
        error = exc

        def failed():
            raise error

        return failed
    return lambda: value


@dataclass
class Draft:
    title: str = ""
    body: str = ""
    event_id: int | None = None
    areas: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    scheduled: str = ""  # YYYY-MM-DDTHH:MM, Tokyo

    @property
    def scheduled_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.scheduled).replace(tzinfo=JST)
        except ValueError:
            return None


def max_body() -> int:
    return int((city().get("publicity") or {}).get("max_body", 500))


def parse_form(form: Mapping[str, Any], getlist: Callable[[str], list[str]]) -> Draft:
    raw_event = str(form.get("event_id") or "").strip()
    return Draft(
        title=str(form.get("title") or "").strip()[:200],
        body=str(form.get("body") or "").replace("\r\n", "\n").strip()[:5000],
        event_id=int(raw_event) if raw_event.isdigit() and len(raw_event) < 10 else None,
        areas=[a for a in getlist("areas") if get_area(a) is not None],
        channels=[c for c in getlist("channels") if c in nt.CHANNELS],
        scheduled=str(form.get("scheduled") or "").strip()[:16],
    )


def draft_errors(session: Session, d: Draft, now: datetime) -> dict[str, str]:
    """Field → code for everything wrong with a draft (empty when it may be saved)."""
    errors: dict[str, str] = {}
    if not d.title:
        errors["title"] = "missing_field"
    elif len(d.title) > 100:
        errors["title"] = "too_long"
    if not d.body:
        errors["body"] = "missing_field"
    elif len(d.body) > max_body():
        errors["body"] = "too_long"
    elif redact(d.body).found or redact(d.title).found:
        errors["body"] = "personal_number"
    if not d.areas:
        errors["areas"] = "no_areas"
    if not d.channels:
        errors["channels"] = "no_channels"
    if d.event_id is not None:
        event = get_event(session, d.event_id)
        if event is None or event.kind != VENUE or event.status not in (APPROVED, OPEN) \
                or event.ends_at <= now:  # fmt: skip
            errors["event_id"] = "event_not_open"
    when = d.scheduled_at
    if when is None:
        errors["scheduled"] = "missing_field"
    else:
        problem = schedule_problem(when, now)
        if problem:
            errors["scheduled"] = problem
    return errors


def schedule_problem(when: datetime, now: datetime) -> str | None:
    if not within_business_hours(when):
        return "outside_hours"
    if when <= now:
        return "in_the_past"
    return None


def save(session: Session, d: Draft, actor: str, announcement: an.Announcement | None = None):
    a = announcement or an.Announcement(created_by=actor, status=an.DRAFT)
    a.title, a.body, a.event_id = d.title, d.body, d.event_id
    a.areas, a.channels, a.scheduled_at = list(d.areas), list(d.channels), d.scheduled_at
    a.updated_at = utcnow()
    if announcement is not None and a.status in (an.PENDING, an.HELD):
        a.status, a.approved_by, a.note = an.DRAFT, None, None  # changed: approve again
    session.add(a)
    session.flush()
    return a


def to_draft(a: an.Announcement) -> Draft:
    when = a.scheduled_at.astimezone(JST).strftime("%Y-%m-%dT%H:%M") if a.scheduled_at else ""
    return Draft(a.title, a.body, a.event_id, list(a.areas or []), list(a.channels or []), when)


# -- the checks before approval ----------------------------------------------------------


@dataclass
class Check:
    audience: nt.Audience
    quota: Any = None  # the Quota object, None when LINE did not answer
    reserved: int = 0
    problems: list[str] = field(default_factory=list)


def check(session: Session, a: an.Announcement, now: datetime, quota: Quota) -> Check:
    audience = nt.audience(session, a.areas or [], a.channels or [])
    result = Check(audience)
    if not a.areas:
        result.problems.append("no_areas")
    if not a.channels:
        result.problems.append("no_channels")
    if audience.targeted == 0:
        result.problems.append("empty_audience")
    problem = schedule_problem(a.scheduled_at, now) if a.scheduled_at else "missing_field"
    if problem:
        result.problems.append(f"scheduled_{problem}")
    if audience.line:
        try:
            result.quota = quota()
        except Exception:  # noqa: BLE001 - LINE down or refusing: do not guess
            result.problems.append("quota_unavailable")
        else:
            result.reserved = an.reserved_line_messages(session, exclude=a.id)
            if not result.quota.allows(len(audience.line) + result.reserved):
                result.problems.append("over_quota")
    return result


def submit(session: Session, a: an.Announcement, actor: str, now: datetime, quota: Quota) -> list[str]:
    found = check(session, a, now, quota).problems
    if found:
        return found
    if not an.move(session, a.id, (an.DRAFT, an.HELD), an.PENDING, submitted_by=actor, note=None):
        return ["bad_transition"]
    return []


def approve(
    session: Session, a: an.Announcement, actor: str, role: str, now: datetime, quota: Quota
) -> list[str]:
    """The second person: the general manager, not whoever composed or submitted it."""
    if role != GENERAL_MANAGER:
        return ["not_manager"]
    if actor in (a.created_by, a.submitted_by):
        return ["same_person"]
    if a.status != an.PENDING:
        return ["bad_transition"]
    found = check(session, a, now, quota).problems
    if found:
        return found
    if not an.move(session, a.id, (an.PENDING,), an.APPROVED, approved_by=actor, approved_at=now):
        return ["bad_transition"]
    return []


def cancel(session: Session, a: an.Announcement) -> list[str]:
    if not an.move(session, a.id, (an.DRAFT, an.PENDING, an.APPROVED, an.HELD), an.CANCELLED):
        return ["bad_transition"]
    return []


# -- sending -----------------------------------------------------------------------------


def dispatch(session: Session, announcement_id: int, now: datetime, quota: Quota) -> int:
    """Fix the recipients and queue the messages; returns how many were queued.

    A send the quota no longer allows (or that LINE will not tell us about) is held
    with the reason, for the general manager to approve again."""
    if not within_business_hours(now):
        return 0
    a = an.get_announcement(session, announcement_id)
    if a is None or a.status != an.APPROVED:
        return 0
    audience = nt.audience(session, a.areas or [], a.channels or [])
    if audience.line:
        try:
            q = quota()
        except Exception:  # noqa: BLE001
            an.move(session, a.id, (an.APPROVED,), an.HELD, note="quota_unavailable")
            return 0
        if not q.allows(len(audience.line)):
            an.move(session, a.id, (an.APPROVED,), an.HELD, note="over_quota")
            return 0
    if not an.move(session, a.id, (an.APPROVED,), an.SENDING, dispatched_at=now):
        return 0  # another clock took it
    a = an.get_announcement(session, announcement_id)
    event = get_event(session, a.event_id) if a.event_id else None
    queued = 0
    line_messages = render.reply_dicts(a, event)
    source = f"announcement:{a.id}"
    for start in range(0, len(audience.line), MULTICAST_MAX):
        batch = audience.line[start : start + MULTICAST_MAX]
        msg = enqueue(session, channel="line_multicast", kind="multicast",
                      recipient=f"{source}:{start // MULTICAST_MAX}",
                      payload={"to": [uid for _rid, uid in batch], "replies": line_messages},
                      source=source)  # fmt: skip
        session.add_all(an.AnnouncementRecipient(announcement_id=a.id, resident_id=rid,
                        channel=nt.LINE, outbox_id=msg.id) for rid, _uid in batch)  # fmt: skip
        queued += len(batch)
    body = render.sms_text(a, event)
    for rid, phone in audience.sms:
        msg = enqueue(session, channel="sms", kind="sms", recipient=phone, payload={"body": body},
                      resident_id=rid, source=source)  # fmt: skip
        session.add(an.AnnouncementRecipient(announcement_id=a.id, resident_id=rid,
                                             channel=nt.SMS, outbox_id=msg.id))  # fmt: skip
        queued += 1
    for rid, reason in audience.blocked:
        channel = nt.SMS if reason == nt.SMS_STOPPED else nt.LINE
        session.add(an.AnnouncementRecipient(announcement_id=a.id, resident_id=rid, channel=channel,
                                             status=an.R_BLOCKED, error=reason))  # fmt: skip
    a.targeted = audience.targeted + len(audience.blocked)
    session.flush()
    return queued


# Outbox errors (``last_error``) that mean the resident cannot be reached, not a failure.
BLOCKING_ERRORS = {"opted out": nt.SMS_STOPPED, "unfollowed": nt.BLOCKED_LINE}


def settle(session: Session, now: datetime) -> int:
    """Copy the outbox outcome onto recipients; finish sends; freeze 7-day bookings."""
    changed = 0
    sending = session.scalars(select(an.Announcement).where(an.Announcement.status == an.SENDING))
    for a in list(sending):
        rows = session.execute(
            select(an.AnnouncementRecipient, OutboxMessage.status, OutboxMessage.last_error)
            .outerjoin(OutboxMessage, OutboxMessage.id == an.AnnouncementRecipient.outbox_id)
            .where(an.AnnouncementRecipient.announcement_id == a.id,
                   an.AnnouncementRecipient.status == an.R_PENDING)
        ).all()  # fmt: skip
        pending = 0
        for recipient, status, error in rows:
            if status == SENT:
                recipient.status = an.R_SENT
            elif status == DEAD or status is None:
                blocked = BLOCKING_ERRORS.get(error or "")
                recipient.status = an.R_BLOCKED if blocked else an.R_FAILED
                recipient.error = blocked or (error or "lost")[:40]
            else:
                pending += 1
                continue
            changed += 1
        if not pending:
            an.move(session, a.id, (an.SENDING,), an.SENT)
    for a in session.scalars(select(an.Announcement).where(
            an.Announcement.status == an.SENT, an.Announcement.bookings_7d.is_(None),
            an.Announcement.dispatched_at <= now - an.BOOKING_WINDOW)):  # fmt: skip
        a.bookings_7d = an.bookings_after(session, a)
    session.flush()
    return changed


def stats(session: Session, a: an.Announcement) -> dict[str, Any]:
    counts = an.counts(session, a.id)
    return {
        "targeted": a.targeted or 0,
        "sent": counts.get(an.R_SENT, 0),
        "failed": counts.get(an.R_FAILED, 0),
        "blocked": counts.get(an.R_BLOCKED, 0),
        "pending": counts.get(an.R_PENDING, 0),
        "by_channel": counts,
        "failures": an.failures(session, a.id),
        "bookings_7d": a.bookings_7d if a.bookings_7d is not None else an.bookings_after(session, a),
        "bookings_final": a.bookings_7d is not None,
    }
