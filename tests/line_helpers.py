"""Building, signing and posting LINE webhook bodies in tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from bot.config import SANDBOX_CHANNEL_SECRET


def sign(body: bytes, secret: str = SANDBOX_CHANNEL_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def event(kind: str, user_id: str, **fields: Any) -> dict[str, Any]:
    """A webhook event as LINE sends it (reply token unknown to the stand-in)."""
    base: dict[str, Any] = {
        "mode": "active",
        "timestamp": fields.pop("timestamp", int(time.time() * 1000)),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": fields.pop("event_id", "01" + uuid.uuid4().hex[:24].upper()),
        "deliveryContext": {"isRedelivery": False},
    }
    if "reply_token" in fields:
        base["replyToken"] = fields.pop("reply_token")
    if kind == "text":
        base.update(type="message", message={"type": "text", "id": "1", "text": fields["text"]})
    elif kind == "postback":
        base.update(type="postback", postback={"data": fields["data"], **fields.get("extra", {})})
    else:
        base["type"] = kind
    return base


def body_of(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Ubot", "events": list(events)}, ensure_ascii=False).encode()


def post(client, body: bytes, signature: str | None = "auto"):
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        signature = sign(body)
    if signature is not None:
        headers["X-Line-Signature"] = signature
    return client.post("/line/webhook", data=body, headers=headers)


class Resident:
    """A simulated LINE user: sends events with fresh reply tokens, reads what came back."""

    def __init__(self, live, user_id: str) -> None:
        self.live, self.user_id = live, user_id
        self.client = live.app.test_client()
        self.seen = 0

    def _token(self) -> str:
        from models.db import db
        from models.sandbox import issue_reply_token

        with db.unit_of_work() as s:
            token = issue_reply_token(s, self.user_id)
            s.commit()
        return token

    def send(self, kind: str, **fields: Any) -> list[dict[str, Any]]:
        if kind != "unfollow":
            fields.setdefault("reply_token", self._token())
        resp = post(self.client, body_of(event(kind, self.user_id, **fields)))
        assert resp.status_code == 200, resp.data
        self.live.drain()
        return self.new_messages()

    def say(self, text: str) -> list[dict[str, Any]]:
        return self.send("text", text=text)

    def choose(self, value: str) -> list[dict[str, Any]]:
        return self.send("postback", data=value)

    def requests(self) -> list[dict[str, Any]]:
        from models.db import db
        from models.sandbox import line_requests_since

        with db.reader() as s:
            return [r.as_dict() for r in line_requests_since(s, 0, to=self.user_id, limit=1000)]

    def requests_messages(self) -> list[dict[str, Any]]:
        """Every message sent to this user so far (replies and pushes)."""
        out: list[dict[str, Any]] = []
        for req in self.requests():
            if req["body"] is None:
                continue
            body = req["body"] if isinstance(req["body"], dict) else json.loads(req["body"])
            out.extend(body.get("messages", []))
        return out

    def new_messages(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for req in self.requests():
            if req["id"] <= self.seen:
                continue
            self.seen = req["id"]
            assert not req["errors"], req["errors"]  # LINE would have refused it
            if req["status"] != 200:
                continue  # a simulated outage; the outbox retries
            if req["body"] is None:
                continue  # a call without messages (the profile, issue 17)
            body = req["body"] if isinstance(req["body"], dict) else json.loads(req["body"])
            out.extend(body.get("messages", []))
        return out


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def quick_values(messages: list[dict[str, Any]]) -> list[str]:
    for m in reversed(messages):
        if m.get("quickReply"):
            return [i["action"].get("data", "") for i in m["quickReply"]["items"]]
    return []
