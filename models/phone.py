"""The phone line's state: calls in progress, callback tasks, SMS opt-outs.

``VoiceCall`` keeps, per Twilio CallSid, the numbered menu last read to the
caller (so that the digits of the next request are mapped back to choice
values on the server, never trusted from the client) and the step counter
that makes every webhook request's event key unique. ``PhoneCallback`` is a
task for staff: call this number back (voicemail, unanswered transfer,
visit request, defect notice). Recordings are referenced by SID and URL
only; the audio stays at Twilio.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import crypto
from models.base import Base, EncryptedJSON, EncryptedText, UTCDateTime, utcnow

CALLBACK_REASONS = ("voicemail", "no_answer", "visit_request", "defect", "sms")


class VoiceCall(Base):
    __tablename__ = "voice_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    resident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Steps answered so far; the next Gather action URL carries ?step=<seq>.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # The keypad map last read to the caller: {"keys": {"1": {...}}, ...}.
    menu: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="in-progress")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[int | None] = mapped_column(Integer)


class PhoneCallback(Base):
    """A task in the staff inbox: call the resident back (one per call and reason)."""

    __tablename__ = "phone_callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inquiry_id: Mapped[int | None] = mapped_column(Integer, index=True)
    resident_id: Mapped[int] = mapped_column(Integer, index=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(EncryptedText)  # E.164 or as keyed in
    # Twilio's recording reference only (sensitive: it leads to the voice).
    recording_sid: Mapped[str | None] = mapped_column(EncryptedText)
    recording_url: Mapped[str | None] = mapped_column(EncryptedText)
    recording_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SmsOptOut(Base):
    """A phone number that sent STOP: no SMS goes to it until it sends START."""

    __tablename__ = "sms_opt_outs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone_key: Mapped[str] = mapped_column(String(64), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# -- calls -----------------------------------------------------------------------------


def get_call(session: Session, call_sid: str, *, lock: bool = False) -> VoiceCall | None:
    query = select(VoiceCall).where(VoiceCall.call_sid == call_sid)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def start_call(session: Session, call_sid: str, now: datetime) -> VoiceCall:
    call = get_call(session, call_sid, lock=True)
    if call is None:
        call = VoiceCall(call_sid=call_sid, menu={}, started_at=now, updated_at=now)
        session.add(call)
        session.flush()
    return call


def end_call(session: Session, call_sid: str, status: str, now: datetime, duration: int | None):
    call = get_call(session, call_sid, lock=True)
    if call is None:
        return None
    call.status, call.ended_at, call.duration_s = status[:20], now, duration
    call.menu = {}  # nothing personal is kept once the call is over
    return call


# -- callback tasks --------------------------------------------------------------------


def request_callback(
    session: Session,
    *,
    resident_id: int,
    reason: str,
    phone: str | None,
    inquiry_id: int | None = None,
    call_sid: str | None = None,
    now: datetime | None = None,
) -> PhoneCallback:
    """Create the task, or return the one this call already made for this reason."""
    if reason not in CALLBACK_REASONS:
        raise ValueError(f"unknown callback reason {reason!r}")
    if call_sid:
        existing = session.scalars(
            select(PhoneCallback).where(
                PhoneCallback.call_sid == call_sid, PhoneCallback.reason == reason
            )
        ).first()
        if existing is not None:
            return existing
    task = PhoneCallback(
        inquiry_id=inquiry_id,
        resident_id=resident_id,
        call_sid=call_sid,
        reason=reason,
        phone=phone,
        created_at=now or utcnow(),
    )
    session.add(task)
    session.flush()
    return task


def callback_for_call(session: Session, call_sid: str) -> PhoneCallback | None:
    return session.scalars(
        select(PhoneCallback).where(PhoneCallback.call_sid == call_sid).order_by(PhoneCallback.id)
    ).first()


def attach_recording(
    session: Session, call_sid: str, *, sid: str, url: str, seconds: int | None
) -> PhoneCallback | None:
    """Keep Twilio's reference to a voicemail on the call's callback task."""
    task = callback_for_call(session, call_sid)
    if task is not None:
        task.recording_sid, task.recording_url = sid or None, url or None
        if seconds is not None:
            task.recording_seconds = seconds
    return task


def open_callbacks(session: Session) -> list[PhoneCallback]:
    """For the staff inbox: callbacks not yet done, oldest first."""
    return list(
        session.scalars(
            select(PhoneCallback)
            .where(PhoneCallback.done_at.is_(None))
            .order_by(PhoneCallback.created_at)
        )
    )


# -- SMS opt-out -----------------------------------------------------------------------


def opted_out(session: Session, phone: str) -> bool:
    keys = crypto.lookup_hashes(phone)
    return session.scalar(select(SmsOptOut.id).where(SmsOptOut.phone_key.in_(keys))) is not None


def set_opt_out(session: Session, phone: str, out: bool, now: datetime | None = None) -> None:
    keys = crypto.lookup_hashes(phone)
    rows = session.scalars(select(SmsOptOut).where(SmsOptOut.phone_key.in_(keys))).all()
    if out and not rows:
        session.add(SmsOptOut(phone_key=crypto.lookup_hash(phone), at=now or utcnow()))
    elif not out:
        for row in rows:
            session.delete(row)
    session.flush()


def conversation_flow(session: Session, resident_id: int, channel: str) -> str | None:
    """The flow a resident is in on a channel (None between flows)."""
    from models.conversations import Conversation

    return session.scalar(
        select(Conversation.flow).where(
            Conversation.resident_id == resident_id, Conversation.channel == channel
        )
    )


def recorded_event(session: Session, event_key: str):
    """The inbound event recorded under this key (for replaying its answer)."""
    from models.inbound import InboundEvent

    return session.scalars(select(InboundEvent).where(InboundEvent.event_key == event_key)).first()
