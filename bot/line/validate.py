"""Edge validation of LINE webhook bodies: cheap checks of the fields we use.

The signature proves a body came from LINE; it does not prove the body is
well formed. Two levels, both on the request path, both a few microseconds
for a normal body:

- ``parse_body`` turns the raw text into the list of events, or raises
  ``BadBody`` (the webhook answers 400 for the whole body): not JSON, not an
  object with an ``events`` array, or nested so deep that the parser itself
  gives up (RecursionError) — such a body cannot be split into events.
- ``problem`` names the first field of one event that breaks LINE's shapes
  (``../shared/line-openapi/webhook.yml``), or returns None. The webhook
  records a bad event as ``ignored`` with ``error = "invalid:<field>"`` and
  processes the other events of the same body as usual: one bad event never
  drops the good ones.

Shapes: ``timestamp`` a whole number of milliseconds between 1970 and 2100
(NaN, Infinity, 1e20 or a string are refused); ``source.userId`` of a user
``U`` + 32 lowercase hex digits; ``webhookEventId`` 1–64 ASCII letters or
digits (LINE sends a 26-character ULID; a stricter check would drop every
event if LINE changed the length); ``replyToken`` 1–255 of ``[0-9A-Za-z_-]``;
``mode`` active or standby; free text (message text, postback data and
params) a string without NUL and without lone surrogates; nesting at most
``MAX_DEPTH`` levels. Only fields we read are checked: LINE may add others.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 16  # LINE's deepest event (a mention) is 4 levels
MAX_TIMESTAMP = 4_102_444_800_000  # 2100-01-01T00:00:00Z in milliseconds
MAX_POSTBACK_DATA = 300  # LINE's own limit
MAX_PARAMS = 8
MAX_PARAM = 64

USER_ID = re.compile(r"U[0-9a-f]{32}")
EVENT_ID = re.compile(r"[0-9A-Za-z]{1,64}")
REPLY_TOKEN = re.compile(r"[0-9A-Za-z_\-]{1,255}")
MESSAGE_TYPE = re.compile(r"[A-Za-z]{1,20}")
# NUL and UTF-16 surrogates: JSON escapes (\u0000, \ud800) decode to them; neither can
# be stored (PostgreSQL refuses NUL, UTF-8 cannot encode a lone surrogate).
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
MODES = frozenset({"active", "standby"})


class BadBody(ValueError):
    """The body as a whole cannot be read as LINE events (answered with 400)."""


def parse_body(text: str) -> list[Any]:
    """The events of a webhook body; raises BadBody."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise BadBody("nested too deep") from None
    except ValueError:
        raise BadBody("not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise BadBody("no events array")
    events = document["events"]
    # A body with fewer brackets than MAX_DEPTH cannot nest deeper: skip the walk.
    if text.count("{") + text.count("[") > MAX_DEPTH:
        document["events"] = [
            e if not isinstance(e, dict | list) or _depth_ok(e) else _TOO_DEEP for e in events
        ]
        events = document["events"]
    return events


class _TooDeep(dict):
    """Stands in for an event nested deeper than MAX_DEPTH (never read further)."""


_TOO_DEEP = _TooDeep()


def clean_text(value: Any) -> bool:
    """A string that can be stored: no NUL, no lone surrogate."""
    return isinstance(value, str) and _BAD_CHARS.search(value) is None


def valid_timestamp(value: Any) -> bool:
    """Whole milliseconds in range: not a float (NaN, Infinity, 1e20), not a bool."""
    return type(value) is int and 0 < value < MAX_TIMESTAMP


def problem(event: Any) -> str | None:
    """The first field of ``event`` that breaks LINE's shapes, else None."""
    if isinstance(event, _TooDeep):
        return "depth"
    if not isinstance(event, dict):
        return "event"
    if not isinstance(event.get("type"), str):
        return "type"
    key = event.get("webhookEventId")
    if not isinstance(key, str) or not EVENT_ID.fullmatch(key):
        return "webhookEventId"
    if not valid_timestamp(event.get("timestamp")):
        return "timestamp"
    if "mode" in event and event["mode"] not in MODES:
        return "mode"
    source = event.get("source")
    if source is not None:
        if not isinstance(source, dict) or not isinstance(source.get("type"), str):
            return "source"
        user = source.get("userId")
        if source["type"] == "user" and not (isinstance(user, str) and USER_ID.fullmatch(user)):
            return "source.userId"
    token = event.get("replyToken")
    if token is not None and not (isinstance(token, str) and REPLY_TOKEN.fullmatch(token)):
        return "replyToken"
    kind = event["type"]
    if kind == "message":
        return _message_problem(event.get("message"))
    if kind == "postback":
        return _postback_problem(event.get("postback"))
    return None


def _message_problem(message: Any) -> str | None:
    if not isinstance(message, dict):
        return "message"
    kind = message.get("type")
    if not isinstance(kind, str) or not MESSAGE_TYPE.fullmatch(kind):
        return "message.type"
    if kind == "text" and not clean_text(message.get("text")):
        return "message.text"
    return None


def _postback_problem(postback: Any) -> str | None:
    if not isinstance(postback, dict):
        return "postback"
    data = postback.get("data")
    if not clean_text(data) or len(data) > MAX_POSTBACK_DATA:
        return "postback.data"
    params = postback.get("params")
    if params is None:
        return None
    if not isinstance(params, dict) or len(params) > MAX_PARAMS:
        return "postback.params"
    for name, value in params.items():
        if not (clean_text(name) and clean_text(value)) or len(name) + len(value) > MAX_PARAM:
            return "postback.params"
    return None


def _depth_ok(node: Any, level: int = 1) -> bool:
    """Nesting within MAX_DEPTH (the recursion itself stops at MAX_DEPTH levels)."""
    if level > MAX_DEPTH:
        return False
    for child in node.values() if isinstance(node, dict) else node:
        if isinstance(child, dict | list) and not _depth_ok(child, level + 1):
            return False
    return True
