"""Notice settings and renewal reminders (issue 14), driven through the conversation core."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from models import notices as nt
from models import renewals as rn
from models.outbox import OutboxMessage
from scheduler.business_calendar import JST, is_business_day
from scheduler.renewal_jobs import reminder_day, send_renewal_reminders
from tests.booking_factories import NOW
from tests.unit.booking_driver import USER, booking_session, send, templates, values  # noqa: F401


def _resident_id(session, user=USER):
    from models.residents import find_resident

    return find_resident(session, "line", user).id


def set_both(session, user=USER, area="area:chofu", card="2031/3/15", cert=None):
    send(session, value="menu:notices", user=user)
    send(session, value="nt:both", user=user)
    send(session, value=area, user=user)
    send(session, value="rk:both" if cert else "rk:card", user=user)
    replies = send(session, "text", text=card, user=user)
    if cert:
        replies = send(session, value="rd", params={"date": cert}, user=user)
    return replies


def test_a_resident_chooses_venue_notices_for_an_area_and_renewal_dates(session):
    replies = send(session, value="menu:notices")
    assert templates(replies) == ["notices/ask_topics"] and "nt:stop" in values(replies)
    replies = set_both(session, cert="2029-06-30")
    assert templates(replies) == ["notices/saved"]
    text = replies[0].text()
    assert "長府地区" in text and "2031年3月15日" in text and "2029年6月30日" in text
    assert "配信停止" in text
    rid = _resident_id(session)
    pref = nt.get_preference(session, rid)
    assert pref.area == "chofu" and pref.wants("venue") and pref.wants("renewal")
    assert {(r.kind, r.expires_on) for r in rn.reminders_of(session, rid)} == {
        ("card", "2031-03-15"), ("certificate", "2029-06-30")}


def test_the_area_and_the_dates_are_encrypted_at_rest(session):
    set_both(session, card="2031/3/15")
    raw = session.execute(text("SELECT area, topics FROM notice_preferences")).one()
    assert "chofu" not in raw.area and "venue" not in raw.topics
    stored = session.execute(text("SELECT expires_on FROM renewal_reminders")).scalar()
    assert "2031" not in stored


@pytest.mark.parametrize("typed, template", [
    ("2020/1/1", "notices/date_past"),
    ("2099/1/1", "notices/date_too_far"),
    ("来年くらい", "notices/date_not_a_date"),
    ("2031/2/30", "notices/date_not_a_date"),
])  # fmt: skip
def test_a_date_that_cannot_be_an_expiry_is_refused_and_asked_again(session, typed, template):
    send(session, value="menu:notices")
    send(session, value="nt:renewal")
    send(session, value="rk:card")
    replies = send(session, "text", text=typed)
    assert templates(replies) == [template, "notices/ask_date"]
    assert rn.reminders_of(session, _resident_id(session)) == []


def test_a_my_number_typed_for_the_date_is_never_stored(session):
    from handlers.redact import redact

    send(session, value="menu:notices")
    send(session, value="nt:renewal")
    send(session, value="rk:card")
    typed = redact("123456789018")  # a valid check digit
    replies = send(session, "text", text=typed.text, redacted=typed.found)
    assert templates(replies)[0] == "privacy/do_not_send_numbers"
    assert rn.reminders_of(session, _resident_id(session)) == []
    assert "123456789018" not in str(session.execute(text("SELECT * FROM conversations")).all())


def test_haishin_teishi_stops_every_notice_and_deletes_the_dates_even_during_a_hand_off(session):
    set_both(session)
    rid = _resident_id(session)
    send(session, value="g:person")  # a person takes over: the bot is silent...
    replies = send(session, "text", text="配信停止")  # ...but 配信停止 still works
    assert templates(replies) == ["notices/stopped"]
    pref = nt.get_preference(session, rid)
    assert pref.area is None and pref.area_key is None and not pref.wants("renewal")
    assert rn.reminders_of(session, rid) == []
    assert nt.audience(session, ["chofu"], ["line", "sms"]).targeted == 0


def test_every_reminder_and_the_menu_offer_the_stop(session):
    from handlers.menu import main_menu_choices

    assert "menu:notices" in [c.value for c in main_menu_choices()]
    reminder = rn.RenewalReminder(kind="card", expires_on="2027-03-01")
    from scheduler.renewal_jobs import reminder_reply

    reply = reminder_reply(reminder, 30, date(2027, 1, 29))
    assert "g:unsubscribe" in [c.value for c in reply.choices] and "配信停止" in reply.text()


def test_audience_is_chosen_by_area_and_channel(session):
    from models.residents import get_or_create_resident

    set_both(session, user="U" + "1" * 32, area="area:chofu")
    set_both(session, user="U" + "2" * 32, area="area:hikoshima")
    phone = get_or_create_resident(session, "phone", "+819011112222")
    nt.save_preference(session, phone.id, venue_area="chofu", renewal=False, channel="sms", now=NOW)
    chofu = nt.audience(session, ["chofu"], ["line", "sms"])
    assert len(chofu.line) == 1 and [p for _r, p in chofu.sms] == ["+819011112222"]
    assert nt.audience(session, ["chofu", "hikoshima"], ["line"]).targeted == 2
    assert nt.audience(session, ["chofu"], ["sms"]).not_on_channel == 1
    assert nt.audience(session, ["toyoura"], ["line", "sms"]).targeted == 0


def test_sms_stop_and_a_blocked_line_account_are_counted_as_blocked(session):
    from models.phone import set_opt_out
    from models.residents import get_or_create_resident

    set_both(session, area="area:chofu")
    send(session, "unfollow")
    phone = get_or_create_resident(session, "phone", "+819033334444")
    nt.save_preference(session, phone.id, venue_area="chofu", renewal=False, channel="sms", now=NOW)
    set_opt_out(session, "+819033334444", True, NOW)
    found = nt.audience(session, ["chofu"], ["line", "sms"])
    assert found.targeted == 0
    assert sorted(reason for _r, reason in found.blocked) == [nt.BLOCKED_LINE, nt.SMS_STOPPED]


# -- renewal reminders on the right business days, never twice ----------------------------


def _run_days(session, first: date, last: date) -> list[date]:
    sent = []
    day = first
    while day <= last:
        now = datetime(day.year, day.month, day.day, 10, 0, tzinfo=JST)
        if send_renewal_reminders(session, now):
            sent.append(day)
        day += timedelta(days=1)
    return sent


def _register(session, kind: str, expires: date, registered: date) -> rn.RenewalReminder:
    from models.residents import get_or_create_resident

    resident = get_or_create_resident(session, "line", USER)
    at = datetime(registered.year, registered.month, registered.day, 9, tzinfo=JST)
    return rn.set_reminder(session, resident.id, kind, expires, "line", at)


def test_a_certificate_expiring_in_march_is_reminded_in_december_and_january(session):
    _register(session, "certificate", date(2027, 3, 1), date(2026, 11, 20))
    sent = _run_days(session, date(2026, 11, 20), date(2027, 3, 2))
    # 90 days before is Tue 1 Dec; 30 days before is Sat 30 Jan, moved back to Fri 29 Jan.
    assert sent == [date(2026, 12, 1), date(2027, 1, 29)]
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.source == "renewal")).all()
    assert [r.payload["replies"][0]["template"] for r in rows] == ["renewal/reminder_certificate"] * 2


@pytest.mark.parametrize("expiry", [date(2027, 1, 29), date(2027, 1, 4), date(2026, 12, 30),
                                    date(2027, 2, 11), date(2027, 5, 3)])  # fmt: skip
def test_a_reminder_never_falls_on_a_weekend_holiday_or_the_year_end_closure(expiry):
    for days in (90, 30):
        day = reminder_day(expiry, days)
        assert is_business_day(day) and day <= expiry - timedelta(days=days)


def test_a_reminder_is_sent_once_however_often_the_job_runs(session):
    _register(session, "card", date(2027, 3, 1), date(2026, 11, 20))
    now = datetime(2026, 12, 1, 10, tzinfo=JST)
    assert send_renewal_reminders(session, now) == 1
    assert send_renewal_reminders(session, now + timedelta(hours=1)) == 0
    reminder = rn.open_reminders(session)[0]
    assert rn.record_stage(session, reminder.id, 90, now) is None  # the constraint decides


def test_a_clock_that_was_down_sends_only_the_latest_reminder_due(session):
    _register(session, "card", date(2027, 3, 1), date(2026, 11, 20))
    assert _run_days(session, date(2027, 2, 1), date(2027, 2, 1)) == [date(2027, 2, 1)]
    notices = session.scalars(select(rn.RenewalNotice).order_by(rn.RenewalNotice.stage)).all()
    assert [(n.stage, n.skipped) for n in notices] == [(30, False), (90, True)]
    assert rn.open_reminders(session) == []  # both stages settled: done


def test_no_reminder_at_night_or_on_a_holiday(session):
    _register(session, "card", date(2027, 3, 1), date(2026, 11, 20))
    assert send_renewal_reminders(session, datetime(2026, 12, 1, 20, tzinfo=JST)) == 0
    assert send_renewal_reminders(session, datetime(2026, 12, 5, 10, tzinfo=JST)) == 0  # Saturday


def test_a_changed_date_starts_the_reminders_afresh(session):
    reminder = _register(session, "card", date(2027, 3, 1), date(2026, 11, 20))
    send_renewal_reminders(session, datetime(2026, 12, 1, 10, tzinfo=JST))
    rn.set_reminder(session, reminder.resident_id, "card", date(2027, 6, 1), "line",
                    datetime(2026, 12, 2, 10, tzinfo=JST))  # fmt: skip
    assert rn.stages_done(session, reminder.id) == set()


def test_renewal_reminders_carry_what_to_do_and_a_booking_button(session):
    from scheduler.renewal_jobs import reminder_reply

    card = reminder_reply(rn.RenewalReminder(kind="card", expires_on="2027-03-01"), 90, date(2026, 12, 1))
    text = card.text()
    for needed in ("無料", "有効期限通知書", "申請サポート", "083-231-1111", "交付通知書"):
        assert needed in text
    assert "book:renewal" in [c.value for c in card.choices]
    cert = reminder_reply(rn.RenewalReminder(kind="certificate", expires_on="2027-03-01"), 30,
                          date(2027, 1, 29)).text()  # fmt: skip
    assert "窓口" in cert and "無料" in cert and "暗証番号" in cert


def test_booking_from_a_renewal_reminder_records_renewal_as_the_reason(session):
    from models.bookings import Booking
    from tests.booking_factories import venue_event

    event = venue_event(session)
    replies = send(session, value="book:renewal")
    assert templates(replies) == ["venue/ask_residence"]
    replies = send(session, value="area:chofu")  # no purpose question: it is a renewal
    assert templates(replies) == ["venue/choose_event"]
    for value in (f"ev:{event.id}", f"slot:{event.slots[0].id}", "n:1", "skip"):
        replies = send(session, value=value)
    assert "カードの更新" in replies[-1].text()
    send(session, value="yes")
    assert session.scalars(select(Booking.reason)).one() == "renewal"


def test_reports_count_renewals_apart_from_first_applications(session):
    from models.booking_reasons import count_by_reason
    from models.bookings import book
    from models.residents import get_or_create_resident
    from tests.booking_factories import jst, venue_event

    event = venue_event(session, capacity=10)
    for i, reason in enumerate(("first", "renewal", "renewal", None)):
        r = get_or_create_resident(session, "line", f"U{i:032d}")
        book(session, resident_id=r.id, slot_id=event.slots[0].id, party_size=1 + (i == 1),
             channel="line", reason=reason)  # fmt: skip
    counts = count_by_reason(session, jst(2026, 12, 1, 0), jst(2027, 1, 1, 0))
    assert counts["bookings"] == {"first": 1, "renewal": 2, "unknown": 1}
    assert counts["booked_people"] == {"first": 1, "renewal": 3, "unknown": 1}
