"""Every outbound LINE call goes through line-bot-sdk v3 to the configured
base URL and is valid against LINE's OpenAPI spec (checked by the stand-in)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.line.render import to_messages
from bot.sandbox.line_spec import LineSpec
from handlers.contract import Choice, Reply
from handlers.notify import notify
from models.db import db
from models.outbox import OutboxMessage
from models.residents import get_or_create_resident
from models.sandbox import SandboxLineRequest, set_fault
from tests.line_helpers import Resident, body_of, event, post, texts

AUTH = {"Authorization": "Bearer sandbox-access-token", "Content-Type": "application/json"}


def _valid_push(messages) -> list:
    body = json.dumps({"to": "U" + "0" * 32, "messages": messages}).encode()
    return LineSpec.load().validate("POST", "/v2/bot/message/push", AUTH, body).errors


def test_renderer_keeps_within_lines_limits():
    many = [Choice(f"とても長いボタンのラベルです番号{i}", f"v:{i}") for i in range(20)]
    replies = [Reply("menu/main") for _ in range(7)] + [Reply("menu/main", choices=many)]
    messages = to_messages(replies)
    assert len(messages) <= 5
    items = messages[-1]["quickReply"]["items"]
    assert len(items) == 13
    assert all(len(i["action"]["label"]) <= 20 for i in items)
    assert _valid_push(messages) == []


def test_cards_and_date_pickers_render_to_valid_flex_and_actions():
    cards = [
        {"title": f"12月{d}日 会場", "lines": ["シーモール下関", "のこり 3人"],
         "choices": [Choice("この日にする", f"ev:{d}")]}
        for d in range(1, 16)
    ]
    reply = Reply("menu/main", payload={"type": "cards", "alt": "会場の一覧", "cards": cards},
                  choices=[Choice("日付をえらぶ", "date:x", kind="date",
                                  params={"min": "2026-12-01", "max": "2027-03-31"})])
    messages = to_messages([reply])
    assert messages[0]["type"] == "flex" and len(messages[0]["contents"]["contents"]) == 12
    assert messages[-1]["quickReply"]["items"][0]["action"]["type"] == "datetimepicker"
    assert _valid_push(messages) == []


def test_rich_menu_setup_registers_definition_image_and_default(app):
    result = app.test_cli_runner().invoke(args=["line", "setup-richmenu"])
    assert result.exit_code == 0, result.output
    with db.reader() as s:
        rows = s.scalars(select(SandboxLineRequest).order_by(SandboxLineRequest.id)).all()
        ops = [(r.operation_id, r.status, r.errors) for r in rows]
    assert ops == [
        ("createRichMenu", 200, "[]"),
        ("setRichMenuImage", 200, "[]"),
        ("setDefaultRichMenu", 200, "[]"),
    ]


def test_a_refused_reply_token_falls_back_to_a_push(live, new_user_id):
    client = live.app.test_client()
    body = body_of(event("follow", new_user_id, reply_token="f" * 32))  # unknown to LINE
    assert post(client, body).status_code == 200
    live.drain()
    with db.reader() as s:
        rows = s.scalars(select(SandboxLineRequest).order_by(SandboxLineRequest.id)).all()
        sends = [(r.operation_id, r.status) for r in rows if r.operation_id != "getProfile"]
        assert sends == [("replyMessage", 400), ("pushMessage", 200)]
        assert s.scalars(select(OutboxMessage)).one().status == "sent"


def test_a_line_outage_delays_a_push_and_loses_nothing(live, new_user_id):
    resident = Resident(live, new_user_id)
    resident.send("follow")
    with db.unit_of_work() as s:
        r = get_or_create_resident(s, "line", new_user_id)
        msg = notify(s, r.id, [Reply("handoff/waiting")], source="test")
        set_fault(s, 2, 500)
        s.commit()
    delivery = live.app.extensions["delivery"]
    assert delivery.deliver([msg.id]) == 0
    with db.reader() as s:
        row = s.get(OutboxMessage, msg.id)
        assert row.status == "pending" and row.attempts == 1 and row.last_error == "http 500"
        later = row.next_attempt_at
    assert delivery.deliver(now=later - timedelta(seconds=1)) == 0  # not due yet
    assert delivery.deliver(now=later) == 0  # second simulated failure
    with db.reader() as s:
        later = s.get(OutboxMessage, msg.id).next_attempt_at
    assert delivery.deliver(now=later) == 1
    with db.reader() as s:
        assert s.get(OutboxMessage, msg.id).status == "sent"
        pushes = [
            (p.status, p.retry_key)
            for p in s.scalars(
                select(SandboxLineRequest).where(SandboxLineRequest.operation_id == "pushMessage")
            )
        ]
    # The same X-Line-Retry-Key on every attempt: LINE delivers it once.
    assert [status for status, _ in pushes] == [500, 500, 200]
    assert len({key for _, key in pushes}) == 1 and pushes[0][1]
    assert "担当者からのお返事" in texts(resident.new_messages())


def test_a_blocked_resident_gets_no_push(live, new_user_id):
    resident = Resident(live, new_user_id)
    resident.send("follow")
    resident.send("unfollow")
    with db.unit_of_work() as s:
        r = get_or_create_resident(s, "line", new_user_id)
        msg = notify(s, r.id, [Reply("handoff/waiting")], source="test")
        s.commit()
    live.app.extensions["delivery"].deliver([msg.id])
    with db.reader() as s:
        row = s.get(OutboxMessage, msg.id)
        assert row.status == "dead" and row.last_error == "unreachable"


def test_healthz_reports_the_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["database"]["ok"] is True


def test_simulator_page_and_event_api(live, new_user_id):
    client = live.app.test_client()
    assert "住民シミュレーター" in client.get("/sandbox").get_data(as_text=True)
    resp = client.post("/sandbox/api/line/event", json={"kind": "follow", "user": new_user_id})
    assert resp.status_code == 200 and resp.get_json()["webhook_status"] == 200
    live.drain()
    rows = client.get(f"/sandbox/line-api/_sandbox/requests?after=0&to={new_user_id}").get_json()
    # The new friend's profile is asked first (issue 17: their LINE app's language).
    assert [r["operationId"] for r in rows["requests"]] == ["getProfile", "replyMessage"]
    assert rows["requests"][1]["status"] == 200
    bad = client.post("/sandbox/api/line/event", json={"kind": "text", "user": "nope"})
    assert bad.status_code == 400
