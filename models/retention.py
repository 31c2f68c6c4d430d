"""Retention: personal data is kept only as long as the support work needs it.

One function per kind finds what has outlived its period (days from
city.yaml ``retention:``, ``models.city.retention_days``) and deletes or
anonymises it, returning how many rows it changed. Rows that reports count (bookings, visit requests, inquiries,
application records, defect cases) are anonymised, never deleted, so the plan
progress, the complaints report and the defect counts stay exactly the same.
Nothing that a still-open case, a future booking or an unanswered inquiry
needs is touched. ``purge`` runs every kind and writes one audit row per kind
(counts only); a dry run does the same in a savepoint and rolls it back.
Each kind selects ids (keyset-paged, ``BATCH`` at a time) and deletes or
updates by id, so the same SQL serves SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from models import bookings as bk
from models import defects as dc
from models import inbound as ib
from models import inquiries as iq
from models import outbox as ob
from models import retention_reach as reach
from models import visits as vr
from models.applications import ApplicationRecord
from models.audit import audit
from models.city_notices import CityNotice
from models.conversations import Conversation
from models.events import SupportEvent
from models.faq_review import FaqReviewItem
from models.phone import PhoneCallback, VoiceCall
from models.residents import Resident
from models.sandbox import SandboxLineRequest, SandboxReplyToken
from models.sandbox_email import SandboxEmail
from models.sandbox_twilio import SandboxTwilioRequest

BATCH = 500
Where = Sequence[ColumnElement[bool]]


def _page(session: Session, model: Any, where: Where, act: Callable[[list[Any]], int]) -> int:
    """Hand the ids of the matching rows to ``act`` a batch at a time; sum what it did."""
    pk = model.__mapper__.primary_key[0]
    done, last = 0, None
    while True:
        query = select(pk).where(*where).order_by(pk).limit(BATCH)
        if last is not None:
            query = query.where(pk > last)  # a row act() could not change is never seen again
        ids = list(session.scalars(query))
        if not ids:
            return done
        done += act(ids)
        last = ids[-1]


def _delete(session: Session, model: Any, where: Where) -> int:
    pk = model.__mapper__.primary_key[0]

    def act(ids: list[Any]) -> int:
        stmt = delete(model).where(pk.in_(ids)).execution_options(synchronize_session=False)
        return session.execute(stmt).rowcount

    return _page(session, model, where, act)


def _erase(session: Session, model: Any, where: Where, values: Mapping[str, Any]) -> int:
    """Overwrite personal fields; ``updated_at`` keeps its value (the date of the last real
    change), so anonymising does not make a row look recently worked on."""
    if "updated_at" in model.__table__.c:
        values = {**values, "updated_at": model.updated_at}

    def act(ids: list[Any]) -> int:
        stmt = (
            update(model)
            .where(model.id.in_(ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return session.execute(stmt).rowcount

    return _page(session, model, where, act)


def _any_set(*columns: Any) -> ColumnElement[bool]:
    """Not yet anonymised: one of these personal columns still holds something."""
    return or_(*(c.is_not(None) for c in columns))


def _events_ended_before(cutoff: datetime):
    return select(SupportEvent.id).where(SupportEvent.ends_at < cutoff)


# -- platform traffic --------------------------------------------------------------------


def purge_inbound_events(session: Session, now: datetime, days: int) -> int:
    """Events processed (done, ignored, escalated) more than ``days`` ago: deleted.

    Failed events wait for escalation and received/processing ones for a worker, so
    they stay whatever their age. Redeliveries arrive within minutes, and a LINE
    event older than ``days`` is refused as a replay (``bot.line.events.is_stale``),
    so dropping the key after ``days`` does not weaken the exactly-once guarantee."""
    return _delete(session, ib.InboundEvent, [
        ib.InboundEvent.status.in_((ib.DONE, ib.IGNORED, ib.ESCALATED)),
        ib.InboundEvent.received_at < now - timedelta(days=days),
    ])  # fmt: skip


def purge_outbox(session: Session, now: datetime, days: int) -> int:
    """Messages sent or given up (dead) more than ``days`` ago: deleted. Pending and
    sending ones are still to be delivered."""
    return _delete(session, ob.OutboxMessage, [
        ob.OutboxMessage.status.in_((ob.SENT, ob.DEAD)),
        ob.OutboxMessage.created_at < now - timedelta(days=days),
    ])  # fmt: skip


def purge_conversations(session: Session, now: datetime, days: int) -> int:
    """Conversation state untouched for ``days``: deleted (a flow expires after
    minutes; the row is made again at the resident's next message)."""
    return _delete(session, Conversation, [
        Conversation.updated_at < now - timedelta(days=days),
    ])  # fmt: skip


def purge_sandbox(session: Session, now: datetime, days: int) -> int:
    """What the LINE, Twilio and e-mail stand-ins recorded (development only): deleted."""
    cutoff = now - timedelta(days=days)
    return (
        _delete(session, SandboxLineRequest, [SandboxLineRequest.at < cutoff])
        + _delete(session, SandboxReplyToken, [SandboxReplyToken.issued_at < cutoff])
        + _delete(session, SandboxTwilioRequest, [SandboxTwilioRequest.at < cutoff])
        + _delete(session, SandboxEmail, [SandboxEmail.at < cutoff])
    )


# -- staff work --------------------------------------------------------------------------


def _open_inquiry_of(resident_id: Any) -> Any:
    return exists().where(iq.Inquiry.resident_id == resident_id, iq.Inquiry.status != iq.CLOSED)


def purge_inquiries(session: Session, now: datetime, days: int) -> int:
    """Inquiries closed more than ``days`` ago: the summary is erased. The row (channel,
    category, status, times) stays: the complaints report to the city lists it."""
    closed_long_ago = [
        iq.Inquiry.status == iq.CLOSED, iq.Inquiry.closed_at < now - timedelta(days=days),
    ]  # fmt: skip
    # The summary sent to the city goes with the inquiry's (the notice's times stay).
    notices = _erase(session, CityNotice, [
        CityNotice.summary.is_not(None),
        CityNotice.inquiry_id.in_(select(iq.Inquiry.id).where(*closed_long_ago)),
    ], {"summary": None})  # fmt: skip
    return notices + _erase(session, iq.Inquiry, [
        *closed_long_ago, iq.Inquiry.summary.is_not(None),
    ], {"summary": None})  # fmt: skip


def purge_transcript(session: Session, now: datetime, days: int) -> int:
    """Chat lines older than ``days``: deleted, unless the resident has an inquiry
    still open (staff read the transcript to answer it)."""
    return _delete(session, iq.TranscriptLine, [
        iq.TranscriptLine.at < now - timedelta(days=days),
        ~_open_inquiry_of(iq.TranscriptLine.resident_id),
    ])  # fmt: skip


def purge_faq_review(session: Session, now: datetime, days: int) -> int:
    """Low-confidence questions kept for FAQ review, older than ``days``: deleted."""
    return _delete(session, FaqReviewItem, [
        FaqReviewItem.created_at < now - timedelta(days=days),
    ])  # fmt: skip


def purge_voice_calls(session: Session, now: datetime, days: int) -> int:
    """Call records (Twilio CallSid, resident, duration) older than ``days``: deleted."""
    last = func.coalesce(VoiceCall.ended_at, VoiceCall.updated_at)
    return _delete(session, VoiceCall, [last < now - timedelta(days=days)])


def purge_phone_callbacks(session: Session, now: datetime, days: int) -> int:
    """Call-back tasks done more than ``days`` ago: the number and the voicemail
    reference are erased; the task (reason, times) stays. Open tasks are untouched."""
    cb = PhoneCallback
    return _erase(session, cb, [
        cb.done_at < now - timedelta(days=days),
        _any_set(cb.phone, cb.recording_sid, cb.recording_url),
    ], {"phone": None, "recording_sid": None, "recording_url": None})  # fmt: skip


# -- bookings and visits (the plan progress counts these rows) --------------------------


def purge_bookings(session: Session, now: datetime, days: int) -> int:
    """Bookings for events that ended more than ``days`` ago: the follow-up phone
    number is erased; party size and status stay for the plan progress."""
    return _erase(session, bk.Booking, [
        bk.Booking.event_id.in_(_events_ended_before(now - timedelta(days=days))),
        bk.Booking.phone.is_not(None),
    ], {"phone": None})  # fmt: skip


def purge_visit_requests(session: Session, now: datetime, days: int) -> int:
    """Visit requests done or declined more than ``days`` ago (and whose visit, if
    any, is that old): address, postal code, contact phone and notes are erased;
    kind, area, applicants, status and event stay for the plan progress.

    The address and phone are NOT NULL, so they become empty strings; an empty
    postal code (a real request always has seven digits) marks the row as done."""
    cutoff = now - timedelta(days=days)
    v = vr.VisitRequest
    return _erase(session, v, [
        v.status.in_((vr.DONE, vr.DECLINED)),
        v.updated_at < cutoff,
        or_(v.event_id.is_(None), v.event_id.in_(_events_ended_before(cutoff))),
        v.postal_code != "",
    ], {"address": "", "contact_phone": "", "notes": None, "postal_code": ""})  # fmt: skip


# -- application records and defect cases -------------------------------------------------


def _records_due(cutoff: datetime) -> list[ColumnElement[bool]]:
    """Records whose support event ended before ``cutoff`` and none of whose defect
    cases is open or was closed after ``cutoff`` (400 days after the event, or after
    the last case closed, whichever is later)."""
    still_needed = exists().where(
        dc.DefectCase.record_id == ApplicationRecord.id,
        or_(dc.DefectCase.status.in_(dc.OPEN_STATUSES), dc.DefectCase.closed_at >= cutoff),
    )
    return [ApplicationRecord.event_id.in_(_events_ended_before(cutoff)), ~still_needed]


def purge_defect_cases(session: Session, now: datetime, days: int) -> int:
    """Closed cases of a record that is due (or without a record, closed more than
    ``days`` ago): detail, contact notes and the link to the resident are erased;
    reason, source, status and dates stay for the defect counts."""
    cutoff = now - timedelta(days=days)
    case = dc.DefectCase
    due_records = select(ApplicationRecord.id).where(*_records_due(cutoff))
    has_note = exists().where(
        dc.ContactAttempt.case_id == case.id, dc.ContactAttempt.note.is_not(None)
    )
    where = [
        case.status == dc.RESOLVED,
        or_(
            case.record_id.in_(due_records),
            and_(case.record_id.is_(None), case.closed_at < cutoff),
        ),
        or_(case.detail.is_not(None), case.resident_id.is_not(None), has_note),
    ]

    def act(ids: list[int]) -> int:
        session.execute(
            update(dc.ContactAttempt)
            .where(dc.ContactAttempt.case_id.in_(ids))
            .values(note=None)
            .execution_options(synchronize_session=False)
        )
        return session.execute(
            update(case)
            .where(case.id.in_(ids))
            .values(detail=None, resident_id=None, updated_at=case.updated_at)
            .execution_options(synchronize_session=False)
        ).rowcount

    return _page(session, case, where, act)


def purge_application_records(session: Session, now: datetime, days: int) -> int:
    """Due records (see ``_records_due``): name, kana, phone, application id, My
    Number, their lookup hashes and the resident link are erased; event and number
    of consultations stay. The name is NOT NULL, so it becomes an empty string."""
    r = ApplicationRecord
    personal = (r.name_kana, r.name_key, r.contact_phone, r.phone_key, r.application_id,
                r.application_key, r.my_number, r.resident_id)  # fmt: skip
    # A record always has a contact phone or a resident (the API requires one), so
    # "all of these empty" means already anonymised.
    return _erase(
        session, r, [*_records_due(now - timedelta(days=days)), _any_set(*personal)],
        {"name": "", **{c.key: None for c in personal}},
    )  # fmt: skip


# -- residents ---------------------------------------------------------------------------


def _resident_needed(now: datetime) -> ColumnElement[bool]:
    """Something still open needs to reach this resident."""
    rid = Resident.id
    records = (
        select(ApplicationRecord.id)
        .where(or_(ApplicationRecord.resident_id == rid,
                   ApplicationRecord.phone_key == Resident.phone_key))
        .correlate(Resident)  # an IN subquery nested in EXISTS does not correlate by itself
    )  # fmt: skip
    return or_(
        _open_inquiry_of(rid),
        exists().where(bk.Booking.resident_id == rid, bk.Booking.status == bk.ACTIVE,
                       bk.Booking.event_id.in_(select(SupportEvent.id).where(
                           SupportEvent.ends_at > now))),
        exists().where(bk.WaitingListEntry.resident_id == rid,
                       bk.WaitingListEntry.status.in_((bk.WAITING, bk.OFFERED))),
        exists().where(vr.VisitRequest.resident_id == rid,
                       vr.VisitRequest.status.in_(vr.OPEN_REQUEST)),
        exists().where(dc.DefectCase.status.in_(dc.OPEN_STATUSES),
                       or_(dc.DefectCase.resident_id == rid, dc.DefectCase.record_id.in_(records))),
        exists().where(PhoneCallback.resident_id == rid, PhoneCallback.done_at.is_(None)),
        exists().where(ob.OutboxMessage.resident_id == rid,
                       ob.OutboxMessage.status.in_((ob.PENDING, ob.SENDING))),
        # A record not yet anonymised may still bring a defect notice to pass on.
        exists().where(ApplicationRecord.resident_id == rid),
        reach.resident_needed(rid),
    )  # fmt: skip


def _resident_referenced() -> ColumnElement[bool]:
    """Some row (kept for reports or history) still points at this resident."""
    rid = Resident.id
    return or_(*(exists().where(col == rid) for col in (
        bk.Booking.resident_id, bk.WaitingListEntry.resident_id, vr.VisitRequest.resident_id,
        iq.Inquiry.resident_id, iq.TranscriptLine.resident_id, Conversation.resident_id,
        ApplicationRecord.resident_id, dc.DefectCase.resident_id, ob.OutboxMessage.resident_id,
        PhoneCallback.resident_id, VoiceCall.resident_id, *reach.REFERENCING,
    )))  # fmt: skip


def purge_residents(session: Session, now: datetime, days: int) -> int:
    """Residents not seen for ``days`` whom nothing open needs: deleted when no row
    points at them any more, else anonymised (LINE id, phone, display name and their
    lookup keys erased; one who comes back is recognised as a new resident).

    Runs after the other kinds, whose purges free residents from old rows."""
    r = Resident
    idle = [r.last_seen_at < now - timedelta(days=days), ~_resident_needed(now)]
    deleted = _delete(session, r, [*idle, ~_resident_referenced()])
    personal = (r.line_user_id, r.line_key, r.phone, r.phone_key, r.display_name)
    anonymised = _erase(session, r, [*idle, _any_set(*personal)], {
        **{c.key: None for c in personal}, "line_reachable": False, "handoff_inquiry_id": None,
    })  # fmt: skip
    return deleted + anonymised


# -- the policy --------------------------------------------------------------------------

# kind (audit target, CLI line) -> (function, city.yaml retention key). Cases before
# their records; residents last, since the purges before them free residents.
KINDS: dict[str, tuple[Callable[[Session, datetime, int], int], str]] = {
    "inbound_events": (purge_inbound_events, "inbound_events"),
    "outbox": (purge_outbox, "outbox"),
    "conversations": (purge_conversations, "conversations"),
    "inquiries": (purge_inquiries, "inquiries"),
    "transcript": (purge_transcript, "transcript"),
    "faq_review": (purge_faq_review, "faq_review"),
    "voice_calls": (purge_voice_calls, "phone_calls"),
    "phone_callbacks": (purge_phone_callbacks, "phone_calls"),
    "bookings": (purge_bookings, "bookings"),
    "visit_requests": (purge_visit_requests, "visit_requests"),
    "defect_cases": (purge_defect_cases, "applications"),
    "application_records": (purge_application_records, "applications"),
    "sandbox": (purge_sandbox, "sandbox"),
    **reach.KINDS,  # notices, renewal reminders, announcement recipients (issue 14)
    "residents": (purge_residents, "residents"),
}


def _purge_all(session: Session, now: datetime, policy: Mapping[str, int]) -> dict[str, int]:
    return {kind: run(session, now, int(policy[key])) for kind, (run, key) in KINDS.items()}


def purge(
    session: Session,
    now: datetime,
    policy: Mapping[str, int] | None = None,
    dry_run: bool = False,
    actor: str = "system",
) -> dict[str, int]:
    """Run every kind; return {kind: rows deleted or anonymised}. The caller commits.

    ``policy`` maps city.yaml retention keys to days (default: city.yaml). A real run
    writes one audit row per kind, zero counts included, so the log shows every run.
    A dry run does the same work inside a savepoint and rolls it back: its counts are
    exactly what a real run would do now, and it changes (and audits) nothing."""
    if policy is None:
        from models.city import retention_days

        policy = retention_days()
    if dry_run:
        savepoint = session.begin_nested()
        try:
            summary = _purge_all(session, now, policy)
        finally:
            savepoint.rollback()
    else:
        summary = _purge_all(session, now, policy)
        for kind, (_run, key) in KINDS.items():
            audit(session, actor, "purge", f"retention:{kind}",
                  f"{summary[kind]} rows; kept {policy[key]} days")  # fmt: skip
        session.flush()
    session.expire_all()  # the bulk statements bypassed the objects loaded in this session
    return summary
