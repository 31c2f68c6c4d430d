"""What notices a resident asked for, and who an announcement reaches.

A resident chooses, on LINE or by phone/SMS, venue notices for their area
(one of the city's 17, ``models/areas.py``) and/or renewal reminders
(``models/renewals.py``). Nobody gets a notice without asking: no row, or a
row with nothing chosen, means no notices.

The preference is personal data: the area and the choices are encrypted.
``area_key`` is a keyed hash of the area (like ``residents.phone_key``), set
only while venue notices are on, so that an announcement's audience is one
indexed query and never a decryption of every row. 「配信停止」 clears the
choices and deletes the renewal reminders at once (``stop_notices``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import crypto
from models.base import Base, EncryptedJSON, EncryptedText, UTCDateTime, utcnow
from models.phone import opted_out
from models.residents import Resident

VENUE, RENEWAL = "venue", "renewal"
TOPICS = (VENUE, RENEWAL)
LINE, SMS = "line", "sms"
CHANNELS = (LINE, SMS)


class NoticePreference(Base):
    __tablename__ = "notice_preferences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    # The area for venue notices (areas.yaml code); None while venue notices are off.
    area: Mapped[str | None] = mapped_column(EncryptedText)
    area_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # {"venue": bool, "renewal": bool}
    topics: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    channel: Mapped[str] = mapped_column(String(16))  # where it was last set
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def wants(self, topic: str) -> bool:
        return bool((self.topics or {}).get(topic))


def get_preference(session: Session, resident_id: int) -> NoticePreference | None:
    return session.scalars(
        select(NoticePreference).where(NoticePreference.resident_id == resident_id)
    ).first()


def save_preference(
    session: Session,
    resident_id: int,
    *,
    venue_area: str | None,
    renewal: bool,
    channel: str,
    now: datetime,
) -> NoticePreference:
    """Venue notices for ``venue_area`` (None: off) and renewal reminders on or off."""
    pref = get_preference(session, resident_id)
    if pref is None:
        pref = NoticePreference(resident_id=resident_id, topics={}, channel=channel)
        session.add(pref)
    pref.area = venue_area
    pref.area_key = crypto.lookup_hash(venue_area) if venue_area else None
    pref.topics = {VENUE: venue_area is not None, RENEWAL: renewal}
    pref.channel, pref.updated_at = channel, now
    if not renewal:
        from models.renewals import RenewalReminder

        session.execute(delete(RenewalReminder).where(RenewalReminder.resident_id == resident_id))
    session.flush()
    return pref


def stop_notices(session: Session, resident_id: int, channel: str, now: datetime) -> bool:
    """「配信停止」: no more notices of any kind; False when none were on."""
    from models.renewals import RenewalReminder

    pref = get_preference(session, resident_id)
    had = pref is not None and any(pref.wants(t) for t in TOPICS)
    reminders = session.execute(
        delete(RenewalReminder).where(RenewalReminder.resident_id == resident_id)
    ).rowcount
    if pref is not None:
        pref.area, pref.area_key, pref.topics = None, None, {}
        pref.channel, pref.updated_at, pref.stopped_at = channel, now, now
    session.flush()
    return had or reminders > 0


# -- audiences -------------------------------------------------------------------------

BLOCKED_LINE = "blocked_line"  # blocked the LINE account and has no SMS
SMS_STOPPED = "sms_stopped"  # sent STOP by SMS


@dataclass
class Audience:
    """Who an announcement to some areas reaches, by channel."""

    line: list[tuple[int, str]] = field(default_factory=list)  # (resident id, LINE user id)
    sms: list[tuple[int, str]] = field(default_factory=list)  # (resident id, E.164)
    blocked: list[tuple[int, str]] = field(default_factory=list)  # (resident id, reason)
    not_on_channel: int = 0  # would be reached, but on a channel the notice does not use

    @property
    def targeted(self) -> int:
        return len(self.line) + len(self.sms)


def audience(session: Session, areas: list[str], channels: list[str]) -> Audience:
    """Residents who asked for venue notices in one of ``areas``.

    A LINE friend gets it on LINE; a resident known only by phone (the phone
    line or SMS) gets an SMS unless their number sent STOP. Someone who
    blocked the LINE account and has no phone is counted as blocked.
    """
    keys = [k for code in areas for k in crypto.lookup_hashes(code)]
    found = Audience()
    if not keys:
        return found
    rows = session.execute(
        select(Resident)
        .join(NoticePreference, NoticePreference.resident_id == Resident.id)
        .where(NoticePreference.area_key.in_(keys))
        .order_by(Resident.id)
    ).scalars()
    for resident in rows:
        if resident.line_user_id and resident.line_reachable:
            channel, address = LINE, resident.line_user_id
        elif resident.phone and resident.phone.startswith("+"):
            if opted_out(session, resident.phone):
                found.blocked.append((resident.id, SMS_STOPPED))
                continue
            channel, address = SMS, resident.phone
        else:
            found.blocked.append((resident.id, BLOCKED_LINE))
            continue
        if channel not in channels:
            found.not_on_channel += 1
            continue
        getattr(found, channel).append((resident.id, address))
    return found
