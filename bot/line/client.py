"""Every LINE API call, against the configured base URL.

``LINE_API_BASE_URL`` replaces both of LINE's hosts (api.line.me and, for
blobs such as rich menu images, api-data.line.me), which is how the sandbox
stand-in takes LINE's place. The SDK names the blob host per operation
but uses ``Configuration.host`` instead whenever one is set.

Replies and pushes, sent for every answer, go out as plain JSON over one
keep-alive connection pool (urllib3, which the SDK itself uses): the SDK's
pydantic request models cost more CPU than the rest of the send. The rich
menu setup, run once, keeps using line-bot-sdk v3.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
)

LINE_DEFAULT_HOST = "https://api.line.me"
TIMEOUT = (3.05, 10)  # connect, read
# Requests in flight at once per process (the delivery threads); more wait.
POOL_SIZE = 16


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


class LineClient:
    def __init__(self, base_url: str, access_token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {
            "Authorization": f"Bearer {access_token}",
            "Content-Type": "application/json",
        }
        self._prefix = (urllib3.util.parse_url(self.base_url).path or "").rstrip("/")
        self._http = urllib3.connection_from_url(
            self.base_url, maxsize=POOL_SIZE, retries=False,
            timeout=urllib3.Timeout(connect=TIMEOUT[0], read=TIMEOUT[1]),
        )  # fmt: skip
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

    def _post(self, path: str, document: dict, headers: dict[str, str]) -> SendResult:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            resp = self._http.urlopen(
                "POST", self._prefix + path, body=body, headers=headers, preload_content=True
            )
        except Exception as exc:  # noqa: BLE001 - classified, never re-raised
            return SendResult(False, None, type(exc).__name__)
        if resp.status == 200:
            return SendResult(True, 200)
        return _classify(resp.status, resp.data.decode("utf-8", "replace")[:500])

    def reply(self, reply_token: str, messages: list[dict]) -> SendResult:
        document = {"replyToken": reply_token, "messages": messages}
        return self._post("/v2/bot/message/reply", document, self._headers)

    def push(self, to: str, messages: list[dict], retry_key: str) -> SendResult:
        headers = {**self._headers, "X-Line-Retry-Key": retry_key}
        return self._post("/v2/bot/message/push", {"to": to, "messages": messages}, headers)

    def create_rich_menu(self, definition: dict, image_png: bytes) -> str:
        api = self.api
        menu_id = api.create_rich_menu(RichMenuRequest.from_dict(definition)).rich_menu_id
        self.blob.set_rich_menu_image(
            menu_id, body=image_png, _headers={"Content-Type": "image/png"}
        )
        api.set_default_rich_menu(menu_id)
        return menu_id
