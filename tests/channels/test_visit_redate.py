"""A resident asks for other visit dates from 予約の確認・変更 (issue 19)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models.db import db
from models.inquiries import TranscriptLine
from models.visits import RECEIVED, VisitProposal, VisitRequest
from scheduler.business_calendar import JST, add_business_days
from tests.line_helpers import Resident, quick_values, texts


def _request_a_visit(resident: Resident) -> int:
    for value in ("menu:visit", "vk:home", "purpose:first"):
        resident.choose(value)
    resident.say("750-8521")
    resident.say("1番1号")
    resident.choose("n:2")
    day = add_business_days(datetime.now(JST).date(), 5)
    resident.send("postback", data="pd", extra={"params": {"datetime": f"{day.isoformat()}T10:00"}})
    for value in ("done", "none"):
        resident.choose(value)
    resident.say("0832311111")
    resident.choose("yes")
    with db.reader() as s:
        return s.scalar(select(VisitRequest.id))


def test_other_dates_replace_the_old_ones_and_withdraw_a_waiting_proposal(live, new_user_id):
    resident = Resident(live, new_user_id)
    request_id = _request_a_visit(resident)
    with db.unit_of_work() as s:
        request = s.get(VisitRequest, request_id)
        from models.visits import propose

        start = datetime.combine(add_business_days(datetime.now(JST).date(), 7),
                                 datetime.min.time(), JST).replace(hour=14)  # fmt: skip
        propose(s, request, start, start.replace(hour=15), datetime.now(JST))
        s.commit()
    listed = resident.choose("menu:bookings")
    assert f"vdt:{request_id}" in quick_values(listed)
    asked = resident.choose(f"vdt:{request_id}")
    assert "pd" in quick_values(asked)
    new_day = add_business_days(datetime.now(JST).date(), 9)
    resident.send("postback", data="pd",
                  extra={"params": {"datetime": f"{new_day.isoformat()}T11:00"}})  # fmt: skip
    done = resident.choose("done")
    assert "新しい希望日を受け付けました" in texts(done) and f"訪-{request_id:04d}" in texts(done)
    with db.reader() as s:
        request = s.get(VisitRequest, request_id)
        assert request.status == RECEIVED
        assert request.preferred == [f"{new_day.isoformat()}T11:00:00+09:00"]
        proposals = s.scalars(select(VisitProposal.status)).all()
        assert proposals == ["withdrawn"]
        notes = [line.text for line in s.scalars(select(TranscriptLine)) if "別の希望日" in
                 (line.text or "")]  # fmt: skip
        assert notes, "staff see the new dates in the transcript"


def test_the_new_date_follows_the_visit_rules(live, new_user_id):
    resident = Resident(live, new_user_id)
    request_id = _request_a_visit(resident)
    resident.choose("menu:bookings")
    resident.choose(f"vdt:{request_id}")
    today = datetime.now(JST).date()
    from datetime import timedelta

    saturday = next(today + timedelta(days=i) for i in range(7, 14)
                    if (today + timedelta(days=i)).weekday() == 5)  # fmt: skip
    refused = resident.send("postback", data="pd",
                            extra={"params": {"datetime": f"{saturday.isoformat()}T10:00"}})  # fmt: skip
    assert "うかがえません" in texts(refused)
    with db.reader() as s:
        assert s.get(VisitRequest, request_id).status == RECEIVED  # nothing changed yet
