"""Every LINE API call, through line-bot-sdk v3, against the configured base URL.

``LINE_API_BASE_URL`` replaces both of LINE's hosts (api.line.me and, for
blobs such as rich menu images, api-data.line.me), which is how the sandbox
stand-in takes LINE's place. The SDK names the blob host per operation
but uses ``Configuration.host`` instead whenever one is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    Message,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
)

LINE_DEFAULT_HOST = "https://api.line.me"
MULTICAST_MAX = 500  # recipients per multicast request (MulticastRequest.to maxItems)
TIMEOUT = (3.05, 10)  # connect, read


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: int | None = None
    error: str | None = None
    # LINE refused the reply token (used, expired or unknown): push instead.
    token_refused: bool = False
    # Retrying cannot help (a request LINE considers malformed).
    permanent: bool = False


def _result(exc: Exception) -> SendResult:
    if isinstance(exc, ApiException):
        status = exc.status
        body = (exc.body or "") if isinstance(exc.body, str) else ""
        if status == 409:  # retry key already accepted: the push did land
            return SendResult(True, status)
        token = status == 400 and "reply token" in body.lower()
        permanent = status in (400, 403, 404, 413, 415) and not token
        return SendResult(False, status, f"http {status}", token_refused=token, permanent=permanent)
    return SendResult(False, None, type(exc).__name__)


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
        self._api_client = ApiClient(Configuration(host=self.base_url, access_token=access_token))
        # Blob operations carry their own host (api-data.line.me), used only
        # when the configuration names none; a stand-in base takes them too.
        blob_host = None if self.base_url == LINE_DEFAULT_HOST else self.base_url
        self._blob_client = ApiClient(Configuration(host=blob_host, access_token=access_token))

    @property
    def api(self) -> MessagingApi:
        return MessagingApi(self._api_client)

    @property
    def blob(self) -> MessagingApiBlob:
        return MessagingApiBlob(self._blob_client)

    def reply(self, reply_token: str, messages: list[dict]) -> SendResult:
        request = ReplyMessageRequest(
            reply_token=reply_token, messages=[Message.from_dict(m) for m in messages]
        )
        try:
            self.api.reply_message(request, _request_timeout=TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - classified, never re-raised
            return _result(exc)
        return SendResult(True, 200)

    def push(self, to: str, messages: list[dict], retry_key: str) -> SendResult:
        request = PushMessageRequest(to=to, messages=[Message.from_dict(m) for m in messages])
        try:
            self.api.push_message(request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT)
        except Exception as exc:  # noqa: BLE001
            return _result(exc)
        return SendResult(True, 200)

    def multicast(self, to: list[str], messages: list[dict], retry_key: str) -> SendResult:
        """One request to at most 500 users; the retry key makes a retried batch land once."""
        if not 1 <= len(to) <= MULTICAST_MAX:
            return SendResult(False, error=f"{len(to)} recipients", permanent=True)
        request = MulticastRequest(to=to, messages=[Message.from_dict(m) for m in messages])
        try:
            self.api.multicast(request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT)
        except Exception as exc:  # noqa: BLE001
            return _result(exc)
        return SendResult(True, 200)

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
        menu_id = self.api.create_rich_menu(RichMenuRequest.from_dict(definition)).rich_menu_id
        self.blob.set_rich_menu_image(
            menu_id, body=image_png, _headers={"Content-Type": "image/png"}
        )
        self.api.set_default_rich_menu(menu_id)
        return menu_id
