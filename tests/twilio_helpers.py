"""Signed Twilio webhook requests for tests, and a simulated caller."""

from __future__ import annotations

import uuid
from typing import Any

from twilio.request_validator import RequestValidator

from bot.config import SANDBOX_TWILIO_AUTH_TOKEN, SANDBOX_TWILIO_FROM
from tests.twiml_check import check_twiml, gather, spoken

PUBLIC = "http://127.0.0.1:9"  # build_app's PUBLIC_BASE_URL; the test client ignores it


def signature(url: str, params: dict[str, str], token: str = SANDBOX_TWILIO_AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post(client, path: str, params: dict[str, str], *, sign: str | None = "auto", public=None):
    public = public or client.application.config["PUBLIC_BASE_URL"]
    headers = {}
    if sign == "auto":
        sign = signature(public + path, params)
    if sign is not None:
        headers["X-Twilio-Signature"] = sign
    return client.post(path, data=params, headers=headers)


class Caller:
    """One phone call: dials in, presses keys, speaks; every answer is checked TwiML."""

    def __init__(self, client, phone: str = "+819012345678") -> None:
        self.client, self.phone = client, phone
        self.sid = "CA" + uuid.uuid4().hex
        self.root = None
        self.last_params: tuple[str, dict[str, str]] | None = None

    def base(self) -> dict[str, str]:
        params = {
            "CallSid": self.sid,
            "AccountSid": "AC" + "0" * 32,
            "To": SANDBOX_TWILIO_FROM,
            "CallStatus": "in-progress",
            "Direction": "inbound",
        }
        if self.phone is not None:
            params["From"] = self.phone
        return params

    def _post(self, path: str, extra: dict[str, Any]) -> str:
        params = {**self.base(), **{k: str(v) for k, v in extra.items()}}
        self.last_params = (path, params)
        resp = post(self.client, path, params)
        assert resp.status_code == 200, resp.data
        assert resp.mimetype == "application/xml"
        self.root = check_twiml(resp.data)
        return spoken(self.root)

    def call(self) -> str:
        return self._post("/twilio/voice", {"CallStatus": "ringing"})

    @property
    def action(self) -> str:
        g = gather(self.root)
        assert g is not None, "no <Gather> in the last answer"
        return g.get("action")

    def press(self, digits: str) -> str:
        return self._post(self.action, {"Digits": digits})

    def say(self, text: str, confidence: str = "0.9") -> str:
        return self._post(self.action, {"SpeechResult": text, "Confidence": confidence})

    def silence(self) -> str:
        return self._post(self.action, {})

    def follow(self, verb: str, extra: dict[str, Any]) -> str:
        node = self.root.find(verb)
        assert node is not None, f"no <{verb}>"
        return self._post(node.get("action"), extra)

    def retry_last(self):
        path, params = self.last_params
        return post(self.client, path, params)
