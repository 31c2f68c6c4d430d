"""A stand-in for api.line.me and api-data.line.me, for sandbox mode.

Registered by ``create_app`` under ``/sandbox/line-api`` when no LINE
credentials are set; the app's line-bot-sdk clients use that URL as their
``Configuration(host=...)``. Every request is checked against LINE's OpenAPI
file (``LineSpec``), recorded in ``sandbox_line_requests`` whether valid or
not, and answered the way LINE answers: the same statuses, LINE's error JSON,
single-use reply tokens, 409 for a retry key already accepted.

Control endpoints, which are not LINE's, live under ``/_sandbox/``: they set
a simulated outage or the month's message quota and list what was recorded
(the simulator page polls it).

The month's quota (``GET /v2/bot/message/quota``) is ``SANDBOX_LINE_QUOTA``
messages (default 1000, the size of a small paid plan; ``none`` for no limit),
changed at run time with ``POST /_sandbox/quota``. Usage
(``/quota/consumption``) counts what LINE counts: one message per recipient
of each accepted push and multicast this month (Asia/Tokyo), replies free. A
push or multicast that would go over the limit is refused with LINE's 429
"You have reached your monthly limit."
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any
from uuid import uuid4

from flask import Blueprint, Response, current_app, request

from bot.sandbox.line_spec import LineSpec, ValidationResult
from models.db import db
from models.sandbox import (
    consume_reply_token,
    counted_messages_since,
    find_by_retry_key,
    line_requests_since,
    record_line_request,
    reply_token_user,
    set_fault,
    take_fault,
)

line_api_bp = Blueprint("sandbox_line_api", __name__)

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
RETRY_KEY_OPERATIONS = {"pushMessage", "multicast", "narrowcast", "broadcast"}
FAULT_MESSAGES = {
    429: "The API rate limit has been exceeded. Try again later.",
    500: "An error occurred in the LINE Platform (simulated by the sandbox).",
}
SANDBOX_BOT_USER_ID = "U" + "0" * 31 + "1"
QUOTA_DEFAULT = 1000
MONTHLY_LIMIT = "You have reached your monthly limit."
COUNTED = {"pushMessage": lambda body: 1, "multicast": lambda body: len(body["to"])}


class Answer:
    """Status, JSON body, extra headers and what to record about the recipient."""

    def __init__(self, status: int, body: dict[str, Any], **headers: str) -> None:
        self.status, self.body, self.headers = status, body, headers
        self.to: str | None = None
        self.errors: list[dict[str, str]] = []


# -- success answers, one function per operation (the rest answer {}) -------------------


def _message_id() -> str:
    return str(secrets.randbelow(9 * 10**17) + 10**17)  # 18 digits, like LINE's


def _sent(payload: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"id": _message_id(), "quoteToken": secrets.token_urlsafe(24)}
        for _ in payload.get("messages", [])
    ]


def _reply(s: Any, res: ValidationResult) -> Answer:
    token = res.json["replyToken"]
    outcome = consume_reply_token(s, token)
    if outcome != "ok":
        answer = Answer(400, {"message": "Invalid reply token"})
        answer.errors = [{"property": "replyToken", "message": outcome}]
    else:
        answer = Answer(res.success_status, {"sentMessages": _sent(res.json)})
    answer.to = reply_token_user(s, token)
    return answer


def _push(s: Any, res: ValidationResult) -> Answer:
    answer = Answer(res.success_status, {"sentMessages": _sent(res.json)})
    answer.to = res.json["to"]
    return answer


def _multicast(s: Any, res: ValidationResult) -> Answer:
    answer = Answer(res.success_status, {})
    answer.to = res.json["to"][0] if len(res.json["to"]) == 1 else None
    return answer


def _create_rich_menu(s: Any, res: ValidationResult) -> Answer:
    return Answer(res.success_status, {"richMenuId": f"richmenu-{secrets.token_hex(16)}"})


# The language each simulated user's LINE app is set to (the simulator's
# "LINE app language"; issue 17). In memory: the sandbox is one process.
PROFILE_LANGUAGES: dict[str, str] = {}


def _profile(s: Any, res: ValidationResult) -> Answer:
    user_id = res.path_params["userId"]
    language = PROFILE_LANGUAGES.get(user_id, "ja")
    answer = Answer(
        res.success_status,
        {"displayName": "Sandbox user", "userId": user_id, "language": language},
    )
    answer.to = user_id
    return answer


def _bot_info(s: Any, res: ValidationResult) -> Answer:
    return Answer(
        res.success_status,
        {
            "userId": SANDBOX_BOT_USER_ID,
            "basicId": "@sandbox",
            "displayName": "myna-desk sandbox",
            "chatMode": "bot",
            "markAsReadMode": "auto",
        },
    )


def quota_limit() -> int | None:
    """The sandbox month's limit: SANDBOX_LINE_QUOTA (a number, or "none")."""
    import os

    raw = current_app.config.get("SANDBOX_LINE_QUOTA", os.environ.get("SANDBOX_LINE_QUOTA"))
    raw = str(raw if raw not in (None, "") else QUOTA_DEFAULT).strip().lower()
    return None if raw == "none" else int(raw)


def month_usage(s: Any) -> int:
    from datetime import datetime

    from scheduler.business_calendar import JST

    start = datetime.now(JST).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return counted_messages_since(s, start, COUNTED)


def _quota(s: Any, res: ValidationResult) -> Answer:
    limit = quota_limit()
    body = {"type": "none"} if limit is None else {"type": "limited", "value": limit}
    return Answer(res.success_status, body)


def _consumption(s: Any, res: ValidationResult) -> Answer:
    return Answer(res.success_status, {"totalUsage": month_usage(s)})


def _over_quota(s: Any, res: ValidationResult) -> Answer | None:
    count = COUNTED.get(res.operation_id or "")
    limit = quota_limit()
    if count is None or limit is None or month_usage(s) + count(res.json) <= limit:
        return None
    return Answer(429, {"message": MONTHLY_LIMIT})


def _default(s: Any, res: ValidationResult) -> Answer:
    return Answer(res.success_status, {})


ANSWERS: dict[str, Callable[[Any, ValidationResult], Answer]] = {
    "replyMessage": _reply,
    "pushMessage": _push,
    "multicast": _multicast,
    "createRichMenu": _create_rich_menu,
    "getProfile": _profile,
    "getBotInfo": _bot_info,
    "getMessageQuota": _quota,
    "getMessageQuotaConsumption": _consumption,
}


def _answer(s: Any, res: ValidationResult, retry_key: str | None) -> Answer:
    fault = take_fault(s)
    if fault is not None:  # an outage: nothing is processed, the token stays unused
        return Answer(fault, {"message": FAULT_MESSAGES.get(fault, "Simulated failure")})
    if not res.ok:
        answer = Answer(res.status, res.error_body())
        answer.errors = [{"property": e.property, "message": e.message} for e in res.errors]
        return answer
    if retry_key and res.operation_id in RETRY_KEY_OPERATIONS:
        accepted = find_by_retry_key(s, retry_key)
        if accepted is not None:
            body: dict[str, Any] = {"message": "The retry key is already accepted"}
            sent = json.loads(accepted.response or "{}").get("sentMessages")
            if sent:  # LINE repeats the push's sentMessages in the 409 answer
                body["sentMessages"] = sent
            headers = {"x-line-accepted-request-id": accepted.request_id}
            answer = Answer(409, body, **headers)
            answer.to = accepted.to
            return answer
    over = _over_quota(s, res)
    if over is not None:
        return over
    return ANSWERS.get(res.operation_id or "", _default)(s, res)


def _recorded_body(body: bytes, content_type: str) -> str | None:
    if not body:
        return None
    if content_type.startswith("application/json"):
        return body.decode("utf-8", errors="replace")
    digest = hashlib.sha256(body).hexdigest()
    return json.dumps({"contentType": content_type, "bytes": len(body), "sha256": digest})


def _guess_to(res: ValidationResult, body: bytes) -> str | None:
    """The recipient of a refused request, so the simulator can show it to that user."""
    payload = res.json
    if payload is None and body[:1] == b"{":
        try:
            payload = json.loads(body)
        except ValueError:
            return None
    if isinstance(payload, dict) and isinstance(payload.get("to"), str):
        return payload["to"]
    return None


@line_api_bp.route("/<path:path>", methods=METHODS)
def line_api(path: str) -> Response:
    body = request.get_data(cache=False)
    query = request.query_string.decode("latin-1")
    res = LineSpec.load().validate(request.method, "/" + path, request.headers, body, query)
    retry_key = request.headers.get("X-Line-Retry-Key")
    request_id = str(uuid4())
    with db.unit_of_work() as s:
        answer = _answer(s, res, retry_key)
        record_line_request(
            s,
            request_id=request_id,
            method=request.method,
            path=("/" + path + (f"?{query}" if query else ""))[:500],
            operation_id=res.operation_id,
            status=answer.status,
            retry_key=retry_key[:100] if retry_key else None,
            to=answer.to or _guess_to(res, body),
            reply_token=res.json.get("replyToken") if isinstance(res.json, dict) else None,
            body=_recorded_body(body, request.headers.get("Content-Type", "")),
            errors=answer.errors,
            response=json.dumps(answer.body, ensure_ascii=False),
        )
        s.commit()
    return Response(
        json.dumps(answer.body, ensure_ascii=False),
        status=answer.status,
        mimetype="application/json",
        headers={"x-line-request-id": request_id, **answer.headers},
    )


# -- control endpoints (not LINE's) --------------------------------------------------------


def _control_error(message: str) -> tuple[dict[str, str], int]:
    return {"message": message}, 400


@line_api_bp.post("/_sandbox/fault")
def sandbox_fault() -> Any:
    """``{"count": n, "status": 500}``: the next n LINE requests fail with that status."""
    payload = request.get_json(silent=True) or {}
    count, status = payload.get("count", 1), payload.get("status", 500)
    if not isinstance(count, int) or count < 0:
        return _control_error("count must be an integer >= 0")
    if not isinstance(status, int) or not 400 <= status <= 599:
        return _control_error("status must be an HTTP error status (400-599)")
    with db.unit_of_work() as s:
        set_fault(s, count, status)
        s.commit()
    return {"count": count, "status": status}


@line_api_bp.post("/_sandbox/quota")
def sandbox_quota() -> Any:
    """``{"value": n}`` sets this month's limit to n messages; ``{"value": null}``: no limit."""
    payload = request.get_json(silent=True) or {}
    value = payload.get("value", QUOTA_DEFAULT)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        return _control_error("value must be an integer >= 0, or null for no limit")
    current_app.config["SANDBOX_LINE_QUOTA"] = "none" if value is None else value
    with db.reader() as s:
        return {"value": value, "totalUsage": month_usage(s)}


@line_api_bp.get("/_sandbox/requests")
def sandbox_requests() -> Any:
    """``?after=ID&to=USERID&limit=N``: recorded requests, oldest first."""
    try:
        after = int(request.args.get("after", 0))
        limit = min(max(int(request.args.get("limit", 200)), 1), 1000)
    except ValueError:
        return _control_error("after and limit must be integers")
    with db.reader() as s:
        rows = line_requests_since(s, after, to=request.args.get("to") or None, limit=limit)
        items = [row.as_dict() for row in rows]
    return {"requests": items, "lastId": items[-1]["id"] if items else after}
