"""Complaints reach the city at once: the console alert, the e-mail through the outbox
(stand-in in sandbox mode, SMTP in production), the case the city can read (redacted,
audited), acknowledging it; a complaint at 16:55 on a Friday reaches the city that day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handlers.contract import Inbound
from handlers.dispatch import dispatch
from models.audit import AuditEntry
from models.city_notices import CityNotice
from models.db import db
from models.inquiries import Inquiry
from models.outbox import OutboxMessage, enqueue
from models.residents import Resident
from models.sandbox_email import SandboxEmail
from scheduler.business_calendar import JST
from tests.console_helpers import escalate, login, make_staff, post
from tests.line_helpers import Resident as LineResident

# Friday 4 December 2026, 16:55 in Tokyo: five minutes before the desk closes.
FRIDAY_1655 = datetime(2026, 12, 4, 16, 55, tzinfo=JST)
USER = "U" + "c" * 32


def complain(text: str, at: datetime = FRIDAY_1655) -> int:
    with db.unit_of_work() as s:
        resident = Resident(line_user_id=USER, display_name="下関 花子", phone="+819011112222")
        s.add(resident)
        s.flush()
        dispatch(s, Inbound("line", USER, "text", text=text, at=at), at)
        s.commit()
        return s.scalars(select(Inquiry.id)).one()


def test_a_complaint_at_1655_on_a_friday_reaches_the_city_that_day(app, monkeypatch):
    inquiry_id = complain("説明と違う。苦情を言いたい")
    make_staff("city", "city_official")
    with db.reader() as s:
        notice = s.scalars(select(CityNotice)).one()
        assert notice.created_at == FRIDAY_1655  # the console alert, at once
    # The clock's delivery round a few seconds later (fixed clock: still Friday 16:55).
    import bot.email

    monkeypatch.setattr(bot.email, "utcnow", lambda: FRIDAY_1655.astimezone(UTC))
    assert app.extensions["delivery"].deliver(now=FRIDAY_1655) == 1
    with db.reader() as s:
        sent = s.scalars(select(SandboxEmail)).one().as_dict()
        emailed = s.scalars(select(CityNotice)).one().emailed_at.astimezone(JST)
    assert sent["to"] == "shimin-service@city.shimonoseki.example"
    assert f"問-{inquiry_id:04d}" in sent["subject"]
    assert emailed.date() == FRIDAY_1655.date() and emailed.hour < 17
    assert "説明と違う。苦情を言いたい" in sent["body"]
    assert f"/console/complaints/{inquiry_id}" in sent["body"]
    for secret in ("花子", "9011112222", "1111-2222"):
        assert secret not in sent["body"]


def test_the_city_is_alerted_reads_the_case_redacted_and_acknowledges_it(client):
    inquiry_id = complain("山田さんの対応が悪い。090-9999-8888に電話して。クレームです")
    make_staff("city", "city_official")
    login(client, "city")
    assert client.get("/console/alerts/poll").get_json()["open"] == 1
    page = client.get("/console/schedule").get_data(as_text=True)
    assert 'id="city-alert"' in page and "未確認 <span class=\"count\">1</span>件" in page
    case = client.get(f"/console/complaints/{inquiry_id}").get_data(as_text=True)
    assert "[NAME]さんの対応が悪い" in case and "クレームです" in case
    for secret in ("山田", "花子", "9999", "8888"):
        assert secret not in case, secret
    assert client.get(f"/console/inquiries/{inquiry_id}").status_code == 403  # no personal data
    resp = post(client, f"/console/complaints/{inquiry_id}/acknowledge",
                page="/console/reports/complaints")  # fmt: skip
    assert resp.status_code == 302
    assert client.get("/console/alerts/poll").get_json()["open"] == 0
    with db.reader() as s:
        notice = s.scalars(select(CityNotice)).one()
        assert notice.acknowledged_by == "staff:city"
        actions = {(a.action, a.target) for a in s.scalars(select(AuditEntry))}
    assert ("view", f"complaint:{inquiry_id}") in actions
    assert ("acknowledge", f"complaint:{inquiry_id}") in actions
    report = client.get("/console/reports/complaints").get_data(as_text=True)
    assert f'href="/console/complaints/{inquiry_id}"' in report


def test_staff_mark_a_complaint_and_the_city_is_emailed_at_once(client, live, new_user_id):
    inquiry_id = escalate(LineResident(live, new_user_id))
    make_staff("w1", "worker")
    login(client, "w1")
    resp = post(client, f"/console/inquiries/{inquiry_id}/category",
                {"category": "complaint", "city_note": "受付で長く待たされたとのこと(山本様)"})  # fmt: skip
    assert resp.status_code == 302
    page = client.get(f"/console/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "苦情として記録し、市に通知しました。" in page and 'id="city-told"' in page
    with db.reader() as s:
        inquiry = s.get(Inquiry, inquiry_id)
        assert (inquiry.category, inquiry.complaint_marked_by) == ("complaint", "staff:w1")
        notice = s.scalars(select(CityNotice)).one()
        assert notice.summary == "受付で長く待たされたとのこと([NAME]様)"
        assert notice.emailed_at is not None  # sent right after the commit
        assert "受付で長く待たされたとのこと" in s.scalars(select(SandboxEmail)).one().body
    # Marking it again tells the city nothing new.
    post(client, f"/console/inquiries/{inquiry_id}/category", {"category": "complaint"})
    with db.reader() as s:
        assert len(s.scalars(select(CityNotice)).all()) == 1


def test_the_alert_is_for_the_city_and_the_general_manager_only(client):
    complain("クレームです")
    make_staff("w1", "worker")
    login(client, "w1")
    assert 'id="city-alert"' not in client.get("/console/inbox").get_data(as_text=True)
    assert client.get("/console/alerts/poll").status_code == 403


def _email_row(recipient: str = "city@example.invalid") -> int:
    with db.unit_of_work() as s:
        msg = enqueue(s, channel="email", kind="email", recipient=recipient,
                      payload={"template": "city/complaint_notice",
                               "subject_template": "city/complaint_subject",
                               "context": {"inquiry_id": 7, "channel": "line",
                                           "opened_at": "2026-12-04 16:55",
                                           "marked_at": "2026-12-04 16:55",
                                           "marked_by_bot": True, "summary": "要旨"}},
                      source="city_notice")  # fmt: skip
        s.commit()
        return msg.id


def test_outside_sandbox_mode_without_smtp_nothing_is_pretended_sent(database_url):
    from bot.email import email_senders
    from tests.conftest import build_app

    app = build_app(database_url)
    app.extensions["event_processor"].shutdown()
    send = email_senders({"SANDBOX": False, "SMTP_HOST": "", "PUBLIC_BASE_URL": ""})["email"]
    with db.unit_of_work() as s:
        msg = s.get(OutboxMessage, _email_row())
        result = send(msg)
    assert (result.ok, result.permanent, result.error) == (False, True, "smtp not configured")


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free loopback port (the controller checks it is up)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, received
    finally:
        controller.stop()


def test_in_production_the_notice_goes_out_by_smtp(database_url, smtp_server):
    from email import message_from_bytes, policy

    from bot.email import email_senders
    from tests.conftest import build_app

    controller, received = smtp_server
    app = build_app(database_url)
    app.extensions["event_processor"].shutdown()
    port = controller.port
    config = {"SANDBOX": False, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
              "SMTP_SECURITY": "none", "SMTP_FROM": "desk@example.invalid",
              "PUBLIC_BASE_URL": "https://desk.example.invalid"}  # fmt: skip
    with db.unit_of_work() as s:
        result = email_senders(config)["email"](s.get(OutboxMessage, _email_row()))
    assert result.ok
    [envelope] = received
    assert envelope.rcpt_tos == ["city@example.invalid"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert "問-0007" in mail["Subject"] and mail["From"] == "desk@example.invalid"
    assert "要旨" in mail.get_content()
