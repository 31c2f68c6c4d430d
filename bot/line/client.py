"""Every LINE API call, against the configured base URL.

``LINE_API_BASE_URL`` replaces both of LINE's hosts (api.line.me and, for
blobs such as rich menu images, api-data.line.me), which is how the sandbox
stand-in takes LINE's place. The SDK names the blob host per operation
but uses ``Configuration.host`` instead whenever one is set.

Replies and pushes, sent for every answer, go out as plain JSON over a
keep-alive connection per sending thread (the standard library's http.client;
urllib3's check for a connection the server has closed): the SDK's pydantic
request models, and urllib3's pool and response layers, cost more CPU than
the rest of the send (docs/performance.md). The rich menu setup, run once,
keeps using line-bot-sdk v3.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
)
from urllib3.util.wait import wait_for_read

from models import json_text

LINE_DEFAULT_HOST = "https://api.line.me"
MULTICAST_MAX = 500  # recipients per multicast request (MulticastRequest.to maxItems)
TIMEOUT = 10  # seconds, to connect and for each read
PROFILE_TIMEOUT = 2  # seconds: the profile only proposes a language


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: int | None = None
    error: str | None = None
    # LINE refused the reply token (used, expired or unknown): push instead.
    token_refused: bool = False
    # Retrying cannot help (a request LINE considers malformed).
    permanent: bool = False


def _classify(status: int, body: str) -> SendResult:
    if status == 409:  # retry key already accepted: the push did land
        return SendResult(True, status)
    token = status == 400 and "reply token" in body.lower()
    permanent = status in (400, 403, 404, 413, 415) and not token
    return SendResult(False, status, f"http {status}", token_refused=token, permanent=permanent)


@dataclass(frozen=True)
class Quota:
    """The month's message quota: ``limit`` None means no limit is set."""

    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    def allows(self, n: int) -> bool:
        return self.limit is None or n <= self.remaining


class LineClient:
    def __init__(self, base_url: str, access_token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {
            "Authorization": f"Bearer {access_token}",
            "Content-Type": "application/json",
        }
        parts = urlsplit(self.base_url)
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname or "", parts.port
        self._prefix = parts.path.rstrip("/")
        self._tls = ssl.create_default_context() if self._https else None
        self._local = threading.local()  # one keep-alive connection per thread
        self._access_token = access_token

    @property
    def api(self) -> MessagingApi:
        return MessagingApi(
            ApiClient(Configuration(host=self.base_url, access_token=self._access_token))
        )

    @property
    def blob(self) -> MessagingApiBlob:
        # Blob operations carry their own host (api-data.line.me), used only
        # when the configuration names none; a stand-in base takes them too.
        host = None if self.base_url == LINE_DEFAULT_HOST else self.base_url
        return MessagingApiBlob(ApiClient(Configuration(host=host, access_token=self._access_token)))

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and conn.sock is not None and wait_for_read(conn.sock, timeout=0):
            conn.close()  # readable while idle: the server closed it; reconnect
        if conn is None:
            if self._https:
                conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=TIMEOUT, context=self._tls
                )
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=TIMEOUT)
            self._local.conn = conn
        return conn

    def _post(self, path: str, document: dict, headers: dict[str, str]) -> SendResult:
        body = json_text.dumps_bytes(document)
        conn = self._connection()
        try:
            conn.request("POST", self._prefix + path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except Exception as exc:  # noqa: BLE001 - classified, never re-raised
            conn.close()
            return SendResult(False, None, type(exc).__name__)
        if resp.will_close:
            conn.close()
        if resp.status == 200:
            return SendResult(True, 200)
        return _classify(resp.status, data.decode("utf-8", "replace")[:500])

    def profile_language(self, user_id: str) -> str | None:
        """The ``language`` of a friend's LINE profile (BCP 47), or None on any failure.

        Asked once, when they add the account (issue 17), on a connection of its
        own with a short timeout: a slow profile API must not hold up answers."""
        if self._https:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self._host, self._port, timeout=PROFILE_TIMEOUT, context=self._tls
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=PROFILE_TIMEOUT)
        try:
            conn.request("GET", f"{self._prefix}/v2/bot/profile/{quote(user_id, safe='')}",
                         headers={"Authorization": self._headers["Authorization"]})  # fmt: skip
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                return None
            language = json.loads(data).get("language")
        except Exception:  # noqa: BLE001 - no proposal then; never an error for the resident
            return None
        finally:
            conn.close()
        return language if isinstance(language, str) and len(language) <= 35 else None

    def reply(self, reply_token: str, messages: list[dict]) -> SendResult:
        document = {"replyToken": reply_token, "messages": messages}
        return self._post("/v2/bot/message/reply", document, self._headers)

    def push(self, to: str, messages: list[dict], retry_key: str) -> SendResult:
        headers = {**self._headers, "X-Line-Retry-Key": retry_key}
        return self._post("/v2/bot/message/push", {"to": to, "messages": messages}, headers)

    def multicast(self, to: list[str], messages: list[dict], retry_key: str) -> SendResult:
        """One request to at most 500 users; the retry key makes a retried batch land once."""
        if not 1 <= len(to) <= MULTICAST_MAX:
            return SendResult(False, error=f"{len(to)} recipients", permanent=True)
        headers = {**self._headers, "X-Line-Retry-Key": retry_key}
        return self._post("/v2/bot/message/multicast", {"to": to, "messages": messages}, headers)

    def quota(self) -> Quota:
        """This month's limit and what was used (GET /v2/bot/message/quota[/consumption]).

        Raises on failure: the caller must not guess a quota it could not read."""
        limit = self.api.get_message_quota(_request_timeout=TIMEOUT)
        used = self.api.get_message_quota_consumption(_request_timeout=TIMEOUT)
        value = limit.value if limit.type == "limited" else None
        return Quota(limit=value, used=int(used.total_usage or 0))

    def basic_id(self) -> str:
        return self.api.get_bot_info(_request_timeout=TIMEOUT).basic_id

    def create_rich_menu(self, definition: dict, image_png: bytes) -> str:
        api = self.api
        menu_id = api.create_rich_menu(RichMenuRequest.from_dict(definition)).rich_menu_id
        self.blob.set_rich_menu_image(
            menu_id, body=image_png, _headers={"Content-Type": "image/png"}
        )
        api.set_default_rich_menu(menu_id)
        return menu_id
