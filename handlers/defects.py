"""Defect follow-up in the conversation core.

* ``contact``: one outreach attempt for a case. The route is decided now:
  LINE while the applicant can be reached there, else SMS to their phone,
  else a callback task for staff. The notice says what is wrong and how to
  fix it, with buttons to book a fix (venue or visit).
* ``report``: a resident says they got a defect notice (flow
  ``handlers.flows.defect``): match them to their application record (already
  linked, same phone, or name in kana + the event where they applied) and to
  its open case, or open a case for staff to match.
* ``route``: the top-level lookup dispatch calls: the defect buttons and the
  trigger words in ``handlers/data/defect_words.yaml``.
Nothing here ever puts an application id or a My Number into a reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.contract import Choice, Reply
from handlers.numbers import record_id
from handlers.text import label, render
from handlers.turn import Turn
from handlers.words import DATA, normalize
from models import defects as dc
from models.applications import ApplicationRecord, records_by_name, records_of_resident
from models.events import SupportEvent, local
from models.phone import PhoneCallback, opted_out, request_callback
from models.residents import Resident, find_resident, get_or_create_resident

FLOW = "defect"
MENU_VALUE = "menu:defect"
SEEN_PREFIX = "defect:seen:"
CHANNEL_OF = {"line": "line", "sandbox": "line", "sms": "sms", "voice": "phone"}


# -- routing ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _triggers() -> tuple[str, ...]:
    with open(DATA / "defect_words.yaml", encoding="utf-8") as fh:
        return tuple(normalize(w) for w in yaml.safe_load(fh)["triggers"])


def is_trigger(text: str | None) -> bool:
    """True for "a defect notice came" and its variants (handlers/data/defect_words.yaml)."""
    said = normalize(text or "")
    return bool(said) and any(word in said for word in _triggers())


def route(turn: Turn, value: str | None) -> bool:
    """Top level: start the defect flow or take a defect button; False if not ours."""
    from handlers.flows import (
        defect,  # noqa: F401 - registers the flow
        engine,
    )

    inbound = turn.inbound
    if value == MENU_VALUE or (inbound.kind == "text" and is_trigger(inbound.text)):
        engine.start(turn, FLOW)
        return True
    if value and value.startswith(SEEN_PREFIX):
        acknowledge(turn, value.removeprefix(SEEN_PREFIX))
        return True
    return False


# -- what residents read -----------------------------------------------------------------


def fix_choices(case: dc.DefectCase | None = None) -> list[Choice]:
    choices = [
        Choice(label("defect_book_venue"), "menu:venue"),
        Choice(label("defect_book_visit"), "menu:visit"),
    ]
    if case is not None:
        choices.append(Choice(label("defect_seen"), f"{SEEN_PREFIX}{case.id}"))
    choices.append(Choice(label("person"), "g:person"))
    return choices


def notice_context(session: Session, case: dc.DefectCase) -> dict[str, object]:
    """What the notice may say: the reason, and when and where we helped (no ids)."""
    context: dict[str, object] = {
        "reason": case.reason,
        "reason_label": dc.reason_label(case.reason),
        "reminder": case.attempts > 1,
        "event": None,
    }
    if case.record is not None:
        event = session.get(SupportEvent, case.record.event_id)
        if event is not None:
            start = local(event.starts_at)
            context["event"] = {"month": start.month, "day": start.day, "place": event.place.name}
    return context


def notice(session: Session, case: dc.DefectCase) -> Reply:
    return Reply("defect/notice", notice_context(session, case), fix_choices(case))


# -- outreach ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    channel: str  # line | sms | callback
    resident_id: int | None
    phone: str | None = None


def choose_route(session: Session, case: dc.DefectCase) -> Route:
    """LINE if reachable there, else SMS (not opted out), else a call by staff."""
    resident = session.get(Resident, case.resident_id) if case.resident_id else None
    if resident is not None and resident.line_reachable and resident.line_user_id:
        return Route("line", resident.id)
    phone = None
    if resident is not None and (resident.phone or "").startswith("+"):
        phone = resident.phone
    elif case.record is not None and case.record.contact_phone:
        phone = case.record.contact_phone
    target = resident
    if phone and (target is None or target.phone != phone):
        target = get_or_create_resident(session, "phone", phone)
    if case.resident_id is None and target is not None:
        case.resident_id = target.id
    if phone and not opted_out(session, phone):
        return Route("sms", target.id, phone)
    return Route("callback", target.id if target else None, phone)


def _open_callback(session: Session, case: dc.DefectCase) -> PhoneCallback | None:
    ids = [c.callback_id for c in case.contacts if c.callback_id]
    if not ids:
        return None
    return session.scalars(
        select(PhoneCallback).where(PhoneCallback.id.in_(ids), PhoneCallback.done_at.is_(None))
    ).first()


def contact(session: Session, case: dc.DefectCase, now: datetime) -> dc.ContactAttempt:
    """One outreach attempt (the cadence job calls this when the case is due)."""
    from handlers.notify import notify

    route_ = choose_route(session, case)
    case.attempts += 1
    log = {"direction": "out", "now": now, "attempt_no": case.attempts}
    if route_.channel in ("line", "sms"):
        msg = notify(session, route_.resident_id, [notice(session, case)], source="defect")
        attempt = dc.log_contact(session, case, channel=route_.channel, outcome="queued",
                                 outbox_id=msg.id, **log)  # fmt: skip
    elif (task := _open_callback(session, case)) is not None:
        attempt = dc.log_contact(session, case, channel="callback", outcome="callback_pending",
                                 callback_id=task.id, **log)  # fmt: skip
    elif route_.resident_id is not None:
        task = request_callback(session, resident_id=route_.resident_id, reason="defect",
                                phone=route_.phone, inquiry_id=case.inquiry_id, now=now)  # fmt: skip
        attempt = dc.log_contact(session, case, channel="callback", outcome="callback_created",
                                 callback_id=task.id, **log)  # fmt: skip
    else:
        attempt = dc.log_contact(session, case, channel="callback", outcome="no_route", **log)
    if case.status == dc.NEW:
        dc.transition(session, case, dc.CONTACTED, now=now)
    dc.schedule_next(case)
    return attempt


def give_up(session: Session, case: dc.DefectCase, now: datetime) -> None:
    """Cadence over, no answer: unreachable, and an inquiry in the staff inbox."""
    from models.inquiries import open_inquiry

    dc.transition(session, case, dc.UNREACHABLE, now=now)
    resident = session.get(Resident, case.resident_id) if case.resident_id else None
    if resident is None:
        return  # no one to file it under; the case list shows it as unreachable
    summary = render("defect/escalation_summary", case_id=case.id, attempts=case.attempts,
                     reason_label=dc.reason_label(case.reason))  # fmt: skip
    inquiry = open_inquiry(
        session, resident, channel="line" if resident.line_user_id else "sms",
        category="defect", summary=summary, pause_bot=False, now=now,
    )  # fmt: skip
    case.inquiry_id = inquiry.id


# -- the resident's side -----------------------------------------------------------------


def belongs_to(case: dc.DefectCase, resident: Resident) -> bool:
    if case.resident_id == resident.id:
        return True
    record = case.record
    if record is None:
        return False
    return record.resident_id == resident.id or (
        bool(resident.phone) and record.contact_phone == resident.phone
    )


def acknowledge(turn: Turn, raw_id: str) -> None:
    """The resident tapped "I have read it" under a notice."""
    from handlers import menu

    case_id = record_id(raw_id)
    case = turn.session.get(dc.DefectCase, case_id) if case_id else None
    if case is None or not belongs_to(case, turn.resident):
        turn.add(menu.main_menu("menu/stale_choice"))
        return
    channel = CHANNEL_OF[turn.inbound.channel]
    dc.log_contact(turn.session, case, direction="in", channel=channel, outcome="acknowledged",
                   now=turn.now, actor="resident")  # fmt: skip
    if case.status in (dc.NEW, dc.CONTACTED, dc.UNREACHABLE):
        dc.transition(turn.session, case, dc.ANSWERED, now=turn.now, actor="resident")
    turn.add(Reply("defect/thanks", {"reason": case.reason}, fix_choices()))


def match_record(
    session: Session, resident: Resident, name_kana: str | None, event_id: int | None
) -> ApplicationRecord | None:
    """The resident's own record, or the ONE record with this name (at this event)."""
    own = records_of_resident(session, resident)
    if own:
        return own[0]
    if not name_kana:
        return None
    found = [r for r in records_by_name(session, name_kana, event_id)
             if r.resident_id in (None, resident.id)]  # fmt: skip
    return found[0] if len(found) == 1 else None


def report(
    turn: Turn, *, reason: str, detail: str | None, name_kana: str | None,
    event_id: int | None,
) -> dc.DefectCase:  # fmt: skip
    """The resident told us about a defect notice: match or open a case, then reply."""
    session, resident, now = turn.session, turn.resident, turn.now
    case = dc.open_case_of_resident(session, resident.id)
    record = case.record if case is not None else match_record(
        session, resident, name_kana, event_id)  # fmt: skip
    if case is None and record is not None:
        case = dc.open_case_of_record(session, record.id)
    is_new = case is None
    if case is None:
        case = dc.open_case(session, reason=reason, source=dc.RESIDENT, now=now, record=record,
                            resident_id=resident.id, detail=detail,
                            created_by=f"resident:{resident.id}")  # fmt: skip
    if record is not None and record.resident_id is None:
        record.resident_id = resident.id
    if case.resident_id is None:
        case.resident_id = resident.id
    if detail and not case.detail:
        case.detail = detail
    dc.log_contact(session, case, direction="in", channel=CHANNEL_OF[turn.inbound.channel],
                   outcome="reported", now=now, actor="resident",
                   note=render("defect/report_note", reason_label=dc.reason_label(reason),
                               detail=detail))  # fmt: skip
    if case.status in (dc.NEW, dc.CONTACTED, dc.UNREACHABLE):
        dc.transition(session, case, dc.ANSWERED, now=now, actor="resident")
    if record is not None:
        turn.add(Reply("defect/matched", {"reason": reason}, fix_choices()))
    else:
        _hand_to_staff(turn, case, detail, is_new)
    return case


def _hand_to_staff(turn: Turn, case: dc.DefectCase, detail: str | None, is_new: bool) -> None:
    """Not matched: an inquiry for staff and, with a phone number, a callback task."""
    from handlers.handoff import answer_expectation
    from models.inquiries import open_inquiry

    summary = render("defect/summary", detail=detail, channel=turn.inbound.channel,
                     case_id=case.id, reason_label=dc.reason_label(case.reason))  # fmt: skip
    inquiry = open_inquiry(turn.session, turn.resident, channel=turn.inbound.channel,
                           category="defect", summary=summary, pause_bot=False, now=turn.now,
                           reuse=False)  # its own inbox item, never an older question's  # fmt: skip
    case.inquiry_id = inquiry.id
    phone = turn.resident.phone
    if phone and is_new:
        task = request_callback(turn.session, resident_id=turn.resident.id, reason="defect",
                                phone=phone, inquiry_id=inquiry.id, now=turn.now)  # fmt: skip
        dc.log_contact(turn.session, case, direction="out", channel="callback",
                       outcome="callback_created", callback_id=task.id, now=turn.now)  # fmt: skip
    context = {"inquiry_id": inquiry.id, "case_id": case.id, "by_phone": bool(phone), "reason": case.reason,
               **answer_expectation(turn.now)}  # fmt: skip
    turn.add(Reply("defect/opened", context, fix_choices()))


# -- fixes booked --------------------------------------------------------------------------


def fix_booking_made(session: Session, case: dc.DefectCase) -> bool:
    """Has the applicant booked a venue place or asked for a visit since the case opened?"""
    from models.bookings import ACTIVE, Booking
    from models.visits import OPEN_REQUEST, VisitRequest

    ids = {case.resident_id}
    record = case.record
    if record is not None:
        ids.add(record.resident_id)
        if record.contact_phone:
            phone_resident = find_resident(session, "phone", record.contact_phone)
            ids.add(phone_resident.id if phone_resident else None)
    ids.discard(None)
    booked = session.scalar(
        select(Booking.id).where(Booking.resident_id.in_(ids), Booking.status == ACTIVE,
                                 Booking.created_at >= case.opened_at).limit(1)
    )  # fmt: skip
    if booked is not None:
        return True
    return session.scalar(
        select(VisitRequest.id).where(VisitRequest.resident_id.in_(ids),
                                      VisitRequest.status.in_(OPEN_REQUEST),
                                      VisitRequest.created_at >= case.opened_at).limit(1)
    ) is not None  # fmt: skip
