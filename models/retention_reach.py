"""Retention of what issue 14 keeps: notice preferences, renewal reminders and
who an announcement went to (``models.retention`` runs these with the rest).

- ``notice_preferences``: deleted once the resident has not been seen for
  ``retention.notice_preferences`` days and no renewal reminder of theirs is
  still to come. Notices are opt-in, so a deleted preference can only mean
  fewer messages, never an unwanted one.
- ``renewal_reminders``: deleted ``retention.renewal_reminders`` days after
  their last stage went out (``done_at``); an open one is kept whatever its
  age: the resident asked for it, possibly years ahead.
- ``announcement_recipients``: the link to the resident is erased
  ``retention.announcements`` days after the send, once the stats (bookings
  within 7 days) are frozen on the announcement; the counts stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists
from sqlalchemy.orm import Session

from models.announcements import Announcement, AnnouncementRecipient
from models.notices import NoticePreference
from models.renewals import RenewalReminder
from models.residents import Resident


def _open_reminder_of(resident_id: Any):
    return exists().where(
        RenewalReminder.resident_id == resident_id, RenewalReminder.done_at.is_(None)
    )


def purge_notice_preferences(session: Session, now: datetime, days: int) -> int:
    from models.retention import _delete

    idle = exists().where(
        Resident.id == NoticePreference.resident_id,
        Resident.last_seen_at < now - timedelta(days=days),
    )
    return _delete(session, NoticePreference, [idle, ~_open_reminder_of(NoticePreference.resident_id)])


def purge_renewal_reminders(session: Session, now: datetime, days: int) -> int:
    from models.retention import _delete

    return _delete(session, RenewalReminder, [
        RenewalReminder.done_at < now - timedelta(days=days),
    ])  # fmt: skip


def purge_announcement_recipients(session: Session, now: datetime, days: int) -> int:
    from sqlalchemy import select

    from models.retention import _erase

    old = select(Announcement.id).where(
        Announcement.dispatched_at < now - timedelta(days=days),
        Announcement.bookings_7d.is_not(None),
    )
    return _erase(session, AnnouncementRecipient, [
        AnnouncementRecipient.announcement_id.in_(old),
        AnnouncementRecipient.resident_id.is_not(None),
    ], {"resident_id": None})  # fmt: skip


def resident_needed(rid: Any):
    """A renewal reminder still to come needs its resident."""
    return _open_reminder_of(rid)


REFERENCING = (
    NoticePreference.resident_id,
    RenewalReminder.resident_id,
    AnnouncementRecipient.resident_id,
)
KINDS = {
    "renewal_reminders": (purge_renewal_reminders, "renewal_reminders"),
    "notice_preferences": (purge_notice_preferences, "notice_preferences"),
    "announcement_recipients": (purge_announcement_recipients, "announcements"),
}
