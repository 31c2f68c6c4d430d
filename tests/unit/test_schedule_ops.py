"""The shared schedule operations, driven without Flask: the rules both the staff
API and the console obey, each refusal one RuleViolation with the API's codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import schedule_ops as ops
from handlers import visit_ops
from models import events as ev
from models import visits as vr
from models.approvals import Approval
from models.audit import AuditEntry
from models.bookings import ACTIVE, CANCELLED, OFFERED, Booking, book, join_waiting_list
from models.outbox import OutboxMessage
from models.residents import get_or_create_resident
from models.staff import RuleViolation, event_assignments
from tests.booking_factories import NOW, jst, person, venue, venue_event
from tests.unit.booking_driver import booking_session  # noqa: F401

TOKEN = ops.Actor("api:1234abcd")


def codes(refused: pytest.ExceptionInfo[RuleViolation]) -> list[str]:
    return refused.value.codes


def resident(session, n: int):
    return get_or_create_resident(session, "line", "U" + str(n) * 32)


def booked(session, slot, n: int, party: int = 1) -> Booking:
    result = book(session, resident_id=resident(session, n).id, slot_id=slot.id,
                  party_size=party, channel="line")  # fmt: skip
    assert result.ok
    return result.booking


def sources(session) -> list[str]:
    return [m.source for m in session.scalars(select(OutboxMessage))]


def staffed(session, event) -> None:
    for _ in range(2):
        ops.assign_staff(session, TOKEN, event, person(session).id, "worker")
    ops.assign_staff(session, TOKEN, event, person(session, "site_manager").id, "site_manager")


def test_cancelling_an_event_cancels_every_booking_and_tells_each_resident(session):
    event = venue_event(session)
    bookings = [booked(session, event.slots[0], 1), booked(session, event.slots[1], 2)]
    assert ops.change_event_status(session, TOKEN, event, ev.CANCELLED, NOW)
    assert [b.status for b in bookings] == [CANCELLED, CANCELLED]
    assert sum(s.booked for s in event.slots) == 0
    assert sources(session).count("event_cancelled") == 2


def test_opening_names_every_missing_role_and_a_start_already_past(session):
    event = venue_event(session, jst(2026, 11, 28), status=ev.APPROVED)
    with pytest.raises(RuleViolation) as refused:
        ops.change_event_status(session, TOKEN, event, ev.OPEN, NOW)
    assert codes(refused) == ["needs_two_workers", "needs_approved_site_manager", "in_the_past"]


def test_a_status_off_the_lifecycle_is_a_bad_transition_about_the_status(session):
    event = venue_event(session, status=ev.PLANNED)
    with pytest.raises(RuleViolation) as refused:
        ops.change_event_status(session, TOKEN, event, ev.DONE, NOW)
    assert (codes(refused), refused.value.field) == (["bad_transition"], "status")


def test_every_approval_is_recorded_with_who_entered_it_and_audited(session):
    staff = person(session, "city_official")
    clerk = ops.Actor("staff:city", staff_id=staff.id, login="city")
    first, second = venue_event(session, status=ev.PLANNED), venue_event(session, status=ev.PLANNED)
    ops.change_event_status(session, clerk, first, ev.APPROVED, NOW, not_combined=True)
    ops.change_event_status(session, TOKEN, second, ev.APPROVED, NOW, not_combined=True)
    assert [(a.target_id, a.staff_id, a.login) for a in session.scalars(select(Approval))] == [
        (first.id, staff.id, "city"), (second.id, None, TOKEN.name)
    ]
    audited = [(a.actor, a.target) for a in session.scalars(select(AuditEntry))]
    assert ("staff:city", f"event:{first.id}") in audited
    assert (TOKEN.name, f"event:{second.id}") in audited


def test_an_event_lays_out_an_even_grid_and_refuses_an_uneven_one(session):
    place = venue(session)
    plan = ops.EventPlan(ev.VENUE, place.id, jst(2026, 12, 5, 10), jst(2026, 12, 5, 12))
    event = ops.create_event(session, TOKEN, plan, NOW, grid=ops.SlotGrid(30, 2))
    assert [(s.capacity, s.booked) for s in event.slots] == [(2, 0)] * 4
    with pytest.raises(RuleViolation) as refused:
        ops.create_event(session, TOKEN, plan, NOW, grid=ops.SlotGrid(45, 2))
    assert codes(refused) == ["slot_not_divisible"]


def test_an_explicit_slot_outside_its_event_is_refused_by_its_index(session):
    place = venue(session)
    plan = ops.EventPlan(ev.VENUE, place.id, jst(2026, 12, 5, 10), jst(2026, 12, 5, 12))
    inside = ops.SlotSpec(jst(2026, 12, 5, 10), jst(2026, 12, 5, 11), 3)
    outside = ops.SlotSpec(jst(2026, 12, 5, 13), jst(2026, 12, 5, 14), 3)
    with pytest.raises(RuleViolation) as refused:
        ops.create_event(session, TOKEN, plan, NOW, slots=[inside, outside])
    assert (codes(refused), refused.value.field) == (["slot_outside_event"], "slots[1]")


def test_laying_slots_out_again_is_refused_once_anyone_has_booked(session):
    event = venue_event(session, status=ev.APPROVED)
    event.slots[0].booked = 1  # as the console's plain-object fixtures set it up
    later = ops.EventPlan(event.kind, event.place_id, event.starts_at + timedelta(hours=1),
                          event.ends_at + timedelta(hours=1))  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        ops.reschedule_event(session, TOKEN, event, later, NOW, grid=ops.SlotGrid(30, 4))
    assert codes(refused) == ["has_bookings"]


def test_kept_slots_must_still_fit_a_rescheduled_event(session):
    event = venue_event(session, status=ev.PLANNED)
    shorter = ops.EventPlan(event.kind, event.place_id, event.starts_at,
                            event.ends_at - timedelta(minutes=30))  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        ops.reschedule_event(session, TOKEN, event, shorter, NOW)
    assert codes(refused) == ["slot_outside_event"]


def test_an_open_event_keeps_its_time(session):
    event = venue_event(session)
    plan = ops.EventPlan(event.kind, event.place_id, event.starts_at, event.ends_at)
    with pytest.raises(RuleViolation) as refused:
        ops.reschedule_event(session, TOKEN, event, plan, NOW)
    assert codes(refused) == ["bad_transition"]


def test_more_capacity_offers_the_new_place_to_the_waiting_list(session):
    event = venue_event(session, slots=1, capacity=2)
    booked(session, event.slots[0], 1, party=2)
    entry = join_waiting_list(session, resident(session, 2).id, event.id)
    with pytest.raises(RuleViolation) as refused:
        ops.set_slot_capacity(session, TOKEN, event.slots[0], 1, NOW)
    assert codes(refused) == ["capacity_below_booked"]
    ops.set_slot_capacity(session, TOKEN, event.slots[0], 3, NOW)
    assert entry.status == OFFERED and "waitlist" in sources(session)


def test_an_open_event_keeps_its_staff(session):
    event = venue_event(session, status=ev.APPROVED)
    staffed(session, event)
    ops.change_event_status(session, TOKEN, event, ev.OPEN, NOW)
    assignment = event_assignments(session, event.id)[0]
    with pytest.raises(RuleViolation) as refused:
        ops.unassign(session, TOKEN, assignment)
    assert codes(refused) == ["bad_transition"]


def test_assigning_somebody_unknown_is_not_found(session):
    event = venue_event(session, status=ev.PLANNED)
    with pytest.raises(RuleViolation) as refused:
        ops.assign_staff(session, TOKEN, event, 999, "worker")
    assert codes(refused) == ["not_found"]


def test_a_booking_is_cancelled_once(session):
    booking = booked(session, venue_event(session).slots[0], 1)
    ops.set_booking_status(session, TOKEN, booking, CANCELLED, NOW)
    with pytest.raises(RuleViolation) as refused:
        ops.set_booking_status(session, TOKEN, booking, CANCELLED, NOW)
    assert codes(refused) == ["bad_transition"] and booking.status != ACTIVE


# --- visit requests -------------------------------------------------------------


def visit_request(session, status: str = vr.RECEIVED) -> vr.VisitRequest:
    req = vr.VisitRequest(resident_id=resident(session, 3).id, kind="home", postal_code="7508521",
                          area="honcho", address="南部町1-1", applicants=2, preferred=[],
                          contact_phone="0832311111", channel="line", status=status)  # fmt: skip
    session.add(req)
    session.flush()
    return req


def test_a_proposed_date_is_a_business_day_and_the_resident_is_told(session):
    req = visit_request(session)
    with pytest.raises(RuleViolation) as refused:
        visit_ops.propose_visit(session, TOKEN, req, jst(2026, 12, 5), jst(2026, 12, 5, 11), NOW)
    assert codes(refused) == ["not_business_day"]
    visit_ops.propose_visit(session, TOKEN, req, jst(2026, 12, 3), jst(2026, 12, 3, 11), NOW)
    assert req.status == vr.PROPOSED and sources(session) == ["visit_proposal"]


def test_a_closed_request_gets_no_proposal(session):
    req = visit_request(session, vr.DONE)
    with pytest.raises(RuleViolation) as refused:
        visit_ops.propose_visit(session, TOKEN, req, jst(2026, 12, 3), jst(2026, 12, 3, 11), NOW)
    assert codes(refused) == ["bad_transition"]


def test_a_visit_is_approved_once_and_only_after_the_resident_accepted(session):
    req = visit_request(session)
    proposal = visit_ops.propose_visit(
        session, TOKEN, req, jst(2026, 12, 3), jst(2026, 12, 3, 11), NOW
    )
    with pytest.raises(RuleViolation) as refused:
        visit_ops.approve_visit(session, TOKEN, req, NOW)
    assert codes(refused) == ["proposal_not_accepted"]
    vr.answer_proposal(proposal, True, NOW)
    visit_ops.approve_visit(session, TOKEN, req, NOW)
    with pytest.raises(RuleViolation) as refused:
        visit_ops.approve_visit(session, TOKEN, req, NOW)
    assert codes(refused) == ["bad_transition"]


def test_scheduling_needs_a_live_visit_event(session):
    req = visit_request(session, vr.APPROVED)
    with pytest.raises(RuleViolation) as refused:
        visit_ops.change_request_status(session, TOKEN, req, vr.SCHEDULED, NOW, event_id=None)
    assert (codes(refused), refused.value.field) == (["needs_visit_event"], "event_id")
