"""Announcements (issue 14): audience, approval by a second person, quota, multicast
batches of at most 500 through the LINE stand-in (checked against LINE's spec),
SMS for phone-only residents, nothing sent twice, stats."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.line.client import Quota
from handlers import announce_ops as ops
from models import announcements as an
from models import notices as nt
from models.db import db
from models.residents import get_or_create_resident
from scheduler.business_calendar import JST, add_business_days
from tests.console_helpers import login, make_staff, post

UNLIMITED = lambda: Quota(limit=None, used=0)  # noqa: E731


def _next_slot() -> datetime:
    day = add_business_days(datetime.now(JST).date(), 1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=JST)


def residents(n_line: int, area: str = "chofu", n_sms: int = 0) -> None:
    with db.unit_of_work() as s:
        for _ in range(n_line):
            r = get_or_create_resident(s, "line", "U" + uuid.uuid4().hex)
            r.line_reachable = True
            nt.save_preference(s, r.id, venue_area=area, renewal=False, channel="line", now=_next_slot())
        for i in range(n_sms):
            r = get_or_create_resident(s, "phone", f"+8190{i:08d}")
            nt.save_preference(s, r.id, venue_area=area, renewal=False, channel="sms", now=_next_slot())
        s.commit()


def approved(areas=("chofu",), channels=("line", "sms"), when=None) -> int:
    when = when or _next_slot()
    with db.unit_of_work() as s:
        d = ops.Draft("12月の会場", "長府で申請会場をひらきます。", None, list(areas), list(channels),
                      when.strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
        a = ops.save(s, d, "staff:writer")
        now = when - timedelta(hours=1)
        assert ops.submit(s, a, "staff:writer", now, UNLIMITED) == []
        assert ops.approve(s, a, "staff:boss", "general_manager", now, UNLIMITED) == []
        s.commit()
        return a.id


def test_multicast_goes_in_batches_of_at_most_500_and_lands_once(live, app):
    from bot.sandbox.line_api import quota_limit  # noqa: F401 - the stand-in answers the quota
    from scheduler.reach_jobs import dispatch_due, settle_sent

    residents(1001)
    announcement_id = approved(channels=("line",))
    at = _next_slot() + timedelta(minutes=1)
    app.config["SANDBOX_LINE_QUOTA"] = 5000
    assert dispatch_due(app, at) == 1001
    assert dispatch_due(app, at) == 0  # already sending: nothing twice
    app.extensions["delivery"].deliver()
    settle_sent(app, at)
    import requests

    recorded = requests.get(f"{live.base_url}/sandbox/line-api/_sandbox/requests?limit=1000",
                            timeout=10).json()["requests"]  # fmt: skip
    multicasts = [r for r in recorded if r["operationId"] == "multicast"]
    assert sorted(len(r["body"]["to"]) for r in multicasts) == [1, 500, 500]
    assert all(r["status"] == 200 and r["retryKey"] for r in multicasts)
    assert len({u for r in multicasts for u in r["body"]["to"]}) == 1001
    with db.reader() as s:
        a = an.get_announcement(s, announcement_id)
        stats = ops.stats(s, a)
        assert a.status == an.SENT and stats["sent"] == 1001 and stats["failed"] == 0


def test_the_stand_in_refuses_a_multicast_to_more_than_500(live):
    import requests

    body = {"to": ["U" + uuid.uuid4().hex for _ in range(501)],
            "messages": [{"type": "text", "text": "x"}]}  # fmt: skip
    answer = requests.post(f"{live.base_url}/sandbox/line-api/v2/bot/message/multicast", json=body,
                           headers={"Authorization": "Bearer t"}, timeout=10)  # fmt: skip
    assert answer.status_code == 400 and answer.json()["details"][0]["property"] == "to"


def test_the_stand_in_reports_the_quota_and_what_was_used(live, app):
    client = app.extensions["delivery"].line_client()
    app.config["SANDBOX_LINE_QUOTA"] = 3
    before = client.quota()
    assert before.limit == 3
    assert client.multicast(["U" + uuid.uuid4().hex for _ in range(2)],
                            [{"type": "text", "text": "x"}], str(uuid.uuid4())).ok  # fmt: skip
    assert client.quota().used == before.used + 2
    over = client.multicast(["U" + uuid.uuid4().hex for _ in range(2)],
                            [{"type": "text", "text": "x"}], str(uuid.uuid4()))  # fmt: skip
    assert not over.ok and over.status == 429  # "You have reached your monthly limit."


def test_phone_only_residents_get_one_sms_and_stop_is_honoured(live, app):
    from models.phone import set_opt_out
    from models.sandbox_twilio import SandboxTwilioRequest
    from scheduler.reach_jobs import dispatch_due, settle_sent

    residents(0, n_sms=3)
    with db.unit_of_work() as s:
        set_opt_out(s, "+819000000001", True)
        s.commit()
    announcement_id = approved(channels=("sms",))
    at = _next_slot() + timedelta(minutes=1)
    assert dispatch_due(app, at) == 2
    app.extensions["delivery"].deliver()
    settle_sent(app, at)
    with db.reader() as s:
        sent = [(r.to, json.loads(r.params)["Body"]) for r in s.scalars(select(SandboxTwilioRequest))]
        stats = ops.stats(s, an.get_announcement(s, announcement_id))
    assert len(sent) == 2 and "+819000000001" not in {to for to, _body in sent}
    assert "STOP" in sent[0][1] and "12月の会場" in sent[0][1]
    assert (stats["targeted"], stats["sent"], stats["blocked"]) == (3, 2, 1)
    assert stats["failures"] == {"sms_stopped": 1}


@pytest.mark.parametrize("field, value, code", [
    ("areas", [], "no_areas"), ("channels", [], "no_channels"), ("body", "", "missing_field"),
    ("scheduled", "2026-12-05T10:00", "outside_hours"),  # a Saturday
    ("scheduled", "2026-12-01T20:00", "outside_hours"),  # at night
    ("body", "マイナンバーは123456789018です", "personal_number"),
])  # fmt: skip
def test_a_bad_draft_is_refused_with_a_clear_reason(database_url, field, value, code):
    from tests.conftest import build_app

    app = build_app(database_url)
    d = ops.Draft("件名", "本文", None, ["chofu"], ["line"], "2026-12-01T11:00")
    setattr(d, field, value)
    with db.unit_of_work() as s:
        errors = ops.draft_errors(s, d, datetime(2026, 11, 30, 10, tzinfo=JST))
    assert errors.get(field) == code
    app.extensions["event_processor"].shutdown()


def test_an_empty_audience_or_an_overrun_quota_is_refused_before_approval(live):
    with db.unit_of_work() as s:
        d = ops.Draft("件名", "本文", None, ["toyoura"], ["line"], _next_slot().strftime("%Y-%m-%dT%H:%M"))
        a = ops.save(s, d, "staff:writer")
        now = _next_slot() - timedelta(hours=1)
        assert ops.submit(s, a, "staff:writer", now, UNLIMITED) == ["empty_audience"]
        s.rollback()
    residents(3, area="toyoura")
    with db.unit_of_work() as s:
        a = ops.save(s, d, "staff:writer")
        assert ops.submit(s, a, "staff:writer", now, lambda: Quota(limit=100, used=98)) == ["over_quota"]

        def down():
            raise ConnectionError

        assert ops.submit(s, a, "staff:writer", now, down) == ["quota_unavailable"]
        assert ops.submit(s, a, "staff:writer", now, UNLIMITED) == []
        assert ops.approve(s, a, "staff:writer", "general_manager", now, UNLIMITED) == ["same_person"]
        assert ops.approve(s, a, "staff:other", "site_manager", now, UNLIMITED) == ["not_manager"]
        assert ops.approve(s, a, "staff:boss", "general_manager", now, UNLIMITED) == []
        assert ops.approve(s, a, "staff:boss", "general_manager", now, UNLIMITED) == ["bad_transition"]


def test_a_send_the_quota_no_longer_allows_is_held_not_sent(live, app):
    from scheduler.reach_jobs import dispatch_due

    residents(5)
    announcement_id = approved(channels=("line",))
    app.config["SANDBOX_LINE_QUOTA"] = 0
    assert dispatch_due(app, _next_slot() + timedelta(minutes=1)) == 0
    with db.reader() as s:
        a = an.get_announcement(s, announcement_id)
        assert (a.status, a.note) == (an.HELD, "over_quota")
        assert s.scalars(select(an.AnnouncementRecipient)).all() == []


def test_nothing_is_sent_outside_business_hours(live, app):
    from scheduler.reach_jobs import dispatch_due

    residents(2)
    approved(channels=("line",))
    night = _next_slot().replace(hour=22)
    assert dispatch_due(app, night) == 0


def test_the_console_compose_preview_approve_and_stats(live, app):
    from scheduler.reach_jobs import dispatch_due, settle_sent

    residents(2, n_sms=1)
    make_staff("writer", "site_manager")
    make_staff("boss", "general_manager")
    client = app.test_client()
    login(client, "writer")
    page = post(client, "/console/announcements/new", {"title": "", "body": "x"}, "/console/announcements/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "地区を1つ以上" in html and "届け方" in html
    when = _next_slot().strftime("%Y-%m-%dT%H:%M")
    form = {"title": "長府の会場", "body": "長府公民館で申請会場をひらきます。", "areas": ["chofu"],
            "channels": ["line", "sms"], "scheduled": when}  # fmt: skip
    page = post(client, "/console/announcements/new", form, "/console/announcements/new")
    assert page.status_code == 302
    preview = client.get(page.headers["Location"]).get_data(as_text=True)
    assert 'id="count-line">2<' in preview and 'id="count-sms">1<' in preview
    assert "長府公民館で申請会場" in preview and "配信停止はSTOPと返信" in preview  # both previews
    assert "quota-remaining" in preview
    announcement_id = int(page.headers["Location"].split("/")[-1].split("?")[0])
    post(client, f"/console/announcements/{announcement_id}/submit", page="/console/announcements")
    refused = post(client, f"/console/announcements/{announcement_id}/approve", page="/console/announcements")
    assert refused.status_code == 409 and "総括責任者" in refused.get_data(as_text=True)
    boss = app.test_client()
    login(boss, "boss")
    done = post(boss, f"/console/announcements/{announcement_id}/approve", page="/console/announcements")
    assert done.status_code == 302
    at = _next_slot() + timedelta(minutes=1)
    assert dispatch_due(app, at) == 3
    app.extensions["delivery"].deliver()
    settle_sent(app, at)
    stats = boss.get(f"/console/announcements/{announcement_id}").get_data(as_text=True)
    assert 'id="stat-targeted">3<' in stats and 'id="stat-sent">3<' in stats
