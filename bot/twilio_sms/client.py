"""Sending one SMS with the twilio SDK, against the configured API base.

``client.api.base_url`` is the one place the SDK keeps Twilio's host for the
2010-04-01 API (``twilio.base.domain.Domain.absolute_url`` joins it with
the path), so pointing it at ``$PUBLIC_BASE_URL/sandbox/twilio-api`` sends
Messages.json to the stand-in. Leave TWILIO_API_BASE_URL unset in production
(and never set TWILIO_EDGE/TWILIO_REGION with a custom base: the SDK
rewrites hostnames then).
"""

from __future__ import annotations

import re
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.line.client import SendResult

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
TIMEOUT = 10.0
MAX_BODY = 1600  # Twilio refuses longer bodies (error 21617)


def api_base(config: dict[str, Any]) -> str:
    base = config.get("TWILIO_API_BASE_URL") or ""
    if not base:  # sandbox: follow PUBLIC_BASE_URL, which may change after start
        base = config["PUBLIC_BASE_URL"] + "/sandbox/twilio-api"
    return base.rstrip("/")


class SmsClient:
    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config
        self._client: Client | None = None
        self._base = ""

    def client(self) -> Client:
        base = api_base(self._config)
        if self._client is None or self._base != base:
            client = Client(
                self._config["TWILIO_ACCOUNT_SID"],
                self._config["TWILIO_AUTH_TOKEN"],
                http_client=TwilioHttpClient(timeout=TIMEOUT),
            )
            client.api.base_url = base
            self._client, self._base = client, base
        return self._client

    def send(self, to: str, body: str) -> SendResult:
        if not E164.match(to or ""):
            return SendResult(False, error="no phone number", permanent=True)
        try:
            self.client().messages.create(
                to=to, from_=self._config["TWILIO_FROM_NUMBER"], body=body[:MAX_BODY]
            )
        except TwilioRestException as exc:
            status = exc.status
            retry = status == 429 or status >= 500
            return SendResult(False, status, f"http {status} code {exc.code}", permanent=not retry)
        except Exception as exc:  # noqa: BLE001 - network trouble: retried by the outbox
            return SendResult(False, None, type(exc).__name__)
        return SendResult(True, 201)
