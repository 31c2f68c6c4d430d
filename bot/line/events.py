"""LINE webhook events: what we record, what we handle, what we ignore.

Two lookup tables (Zulip style): ``TRANSLATORS`` maps the event types we
handle to a function building an ``Inbound``; ``IGNORED_TYPES`` lists the
types we know and deliberately do not act on. Anything else is unknown:
recorded as ignored and logged by type name only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.line import validate
from handlers.contract import Inbound
from models.city import retention_days
from models.inbound import IGNORED, RECEIVED
from personal_numbers.redact import redact

log = logging.getLogger(__name__)

MAX_TEXT = 5000  # LINE's own limit for a text message
MEDIA_TYPES = frozenset({"image", "video", "audio", "file", "location", "sticker"})
IGNORED_TYPES = frozenset(
    {
        "join",
        "leave",
        "memberJoined",
        "memberLeft",
        "beacon",
        "accountLink",
        "unsend",
        "videoPlayComplete",
        "things",
        "module",
        "activated",
        "deactivated",
        "botSuspended",
        "botResumed",
        "membership",
        # An edit arrives after we answered the original message; answering
        # again would confuse the resident, so edits are ignored on purpose.
        "messageEdited",
    }
)
_SAFE_TYPE = re.compile(r"[^A-Za-z0-9_]")


def _event_key(event: dict[str, Any]) -> str:
    key = event.get("webhookEventId")
    if isinstance(key, str) and validate.EVENT_ID.fullmatch(key):
        return key
    # No usable id (the event is ignored): a stable key so a redelivery is still one row.
    # ASCII escapes keep lone surrogates encodable; depth is bounded by validate.
    try:
        canonical = json.dumps(event, sort_keys=True, default=str).encode()
    except (RecursionError, TypeError, ValueError):
        canonical = repr(type(event)).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def _user_id(event: dict[str, Any]) -> str | None:
    source = event.get("source")
    if not isinstance(source, dict) or source.get("type") != "user":
        return None  # groups and rooms are not served: residents talk 1:1
    user = source.get("userId")
    return user if isinstance(user, str) and user else None


def _minimal_payload(event: dict[str, Any], user_id: str) -> dict[str, Any]:
    """Only what processing needs, with free text redacted (data minimisation)."""
    payload: dict[str, Any] = {
        "type": event.get("type"),
        "userId": user_id,
        "timestamp": event.get("timestamp"),
        "replyToken": event.get("replyToken"),
    }
    message = event.get("message")
    if isinstance(message, dict):
        kept: dict[str, Any] = {"type": message.get("type")}
        if message.get("type") == "text":
            redaction = redact(str(message.get("text") or "")[:MAX_TEXT])
            kept["text"] = redaction.text
            payload["redacted"] = redaction.found
        payload["message"] = kept
    postback = event.get("postback")
    if isinstance(postback, dict):
        payload["postback"] = {
            "data": str(postback.get("data") or "")[:300],
            "params": postback.get("params") if isinstance(postback.get("params"), dict) else {},
        }
    return payload


def is_stale(event: dict[str, Any], now: datetime | None = None) -> bool:
    """An event older than the window in which we keep event keys.

    Processed events are purged after ``retention.inbound_events`` days
    (models/retention.py), and with them the key that stops a redelivery. An
    event older than that window can only be a replay of a captured request,
    so it is recorded as ignored and never acted on.
    """
    ts = event.get("timestamp")
    if not validate.valid_timestamp(ts):
        return False
    window = timedelta(days=retention_days()["inbound_events"])
    return datetime.fromtimestamp(ts / 1000, UTC) < (now or datetime.now(UTC)) - window


def record_row(event: Any) -> dict[str, Any]:
    """The row to record for one raw webhook event (handled, ignored or invalid).

    An event that breaks LINE's shapes (``bot.line.validate``) is recorded as
    ignored with ``error = "invalid:<field>"`` and nothing of its content.
    """
    invalid = validate.problem(event)
    if invalid is not None:
        log.info("line webhook: invalid event ignored (%s)", invalid)
        event_type = event.get("type") if isinstance(event, dict) else None
        return {
            "channel": "line",
            "event_key": _event_key(event if isinstance(event, dict) else {"type": "malformed"}),
            "event_type": _SAFE_TYPE.sub("", str(event_type or "invalid"))[:40] or "invalid",
            "status": IGNORED,
            "payload": {},
            "error": f"invalid:{invalid}",
        }
    event_type = _SAFE_TYPE.sub("", str(event.get("type") or "unknown"))[:40] or "unknown"
    user_id = _user_id(event)
    handled = event_type in TRANSLATORS and user_id is not None
    if event.get("mode") == "standby":
        handled = False  # another channel owns the chat in module mode
    if handled and is_stale(event):
        log.info("line webhook: stale %s event ignored", event_type)
        handled = False
    if not handled and event_type not in IGNORED_TYPES and event_type not in TRANSLATORS:
        log.info("line webhook: unknown event type %s ignored", event_type)
    return {
        "channel": "line",
        "event_key": _event_key(event),
        "event_type": event_type,
        "status": RECEIVED if handled else IGNORED,
        "payload": _minimal_payload(event, user_id) if handled and user_id else {},
    }


def _at(payload: dict[str, Any]) -> datetime:
    ts = payload.get("timestamp")
    if isinstance(ts, int | float) and ts > 0:
        return datetime.fromtimestamp(ts / 1000, UTC)
    return datetime.now(UTC)


def _message(payload: dict[str, Any]) -> Inbound:
    message = payload.get("message") or {}
    if message.get("type") == "text":
        return Inbound(
            "line",
            payload["userId"],
            "text",
            text=message.get("text") or "",
            at=_at(payload),
            redacted=bool(payload.get("redacted")),
        )
    return Inbound("line", payload["userId"], "media", at=_at(payload))


def _postback(payload: dict[str, Any]) -> Inbound:
    postback = payload.get("postback") or {}
    return Inbound(
        "line",
        payload["userId"],
        "choice",
        value=postback.get("data") or "",
        params=postback.get("params") or {},
        at=_at(payload),
    )


def _follow(payload: dict[str, Any]) -> Inbound:
    language = payload.get("profileLanguage")  # added by the webhook (issue 17)
    params = {"profile_language": language} if isinstance(language, str) else {}
    return Inbound("line", payload["userId"], "follow", at=_at(payload), params=params)


def _unfollow(payload: dict[str, Any]) -> Inbound:
    return Inbound("line", payload["userId"], "unfollow", at=_at(payload))


TRANSLATORS: dict[str, Callable[[dict[str, Any]], Inbound]] = {
    "message": _message,
    "postback": _postback,
    "follow": _follow,
    "unfollow": _unfollow,
}


def to_inbound(event_type: str, payload: dict[str, Any]) -> Inbound:
    return TRANSLATORS[event_type](payload)
