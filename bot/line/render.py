"""Replies → LINE message objects (the JSON wire form), within LINE's limits.

Plain dictionaries in the shape of the Messaging API reference (camelCase keys,
absent fields left out), built directly: this runs for every answer, and the
SDK's pydantic models cost more than the rest of the rendering. Their shape is
checked against LINE's OpenAPI document in tests/channels/test_line_outbound.py.

Limits (Messaging API reference): 5 messages per reply or push, 13 quick
reply items, 20-character action labels, 5,000-character texts, 300-character
postback data, 12 bubbles per Flex carousel, 1,500-character altText.
"""

from __future__ import annotations

import logging
from typing import Any

from handlers.contract import Choice, Reply

log = logging.getLogger(__name__)

MAX_MESSAGES = 5
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_TEXT = 5000
MAX_DATA = 300
MAX_BUBBLES = 12
MAX_ALT = 1500

Message = dict[str, Any]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_for(choice: Choice) -> dict[str, Any]:
    label = _clip(choice.label, MAX_LABEL)
    if choice.kind in ("date", "datetime", "time"):
        action = {"type": "datetimepicker", "label": label, "data": choice.value[:MAX_DATA],
                  "mode": choice.kind}  # fmt: skip
        for key in ("initial", "max", "min"):
            if choice.params.get(key) is not None:
                action[key] = choice.params[key]
        return action
    if choice.kind == "uri":
        return {"type": "uri", "label": label, "uri": choice.params["uri"]}
    return {"type": "postback", "label": label, "data": choice.value[:MAX_DATA],
            "displayText": _clip(choice.label, 300)}  # fmt: skip


def quick_reply(choices: list[Choice]) -> dict[str, Any] | None:
    if not choices:
        return None
    if len(choices) > MAX_QUICK_REPLIES:
        log.warning("quick reply cut from %d to %d items", len(choices), MAX_QUICK_REPLIES)
    return {"items": [{"type": "action", "action": action_for(c)}
                      for c in choices[:MAX_QUICK_REPLIES]]}  # fmt: skip


def _text(text: str, size: str, bold: bool = False) -> dict[str, Any]:
    part = {"type": "text", "text": _clip(text, 200), "size": size, "wrap": True}
    if bold:
        part["weight"] = "bold"
    return part


def _bubble(card: dict) -> dict[str, Any]:
    body = [_text(card["title"], "md", bold=True)]
    body += [_text(line, "sm") for line in card.get("lines", [])]
    bubble: dict[str, Any] = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
    }
    if card.get("choices"):
        buttons = [{"type": "button", "action": action_for(c), "style": "primary", "height": "sm"}
                   for c in card["choices"][:3]]  # fmt: skip
        bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm",
                            "contents": buttons}  # fmt: skip
    return bubble


def _cards(reply: Reply, text: str) -> Message:
    cards = reply.payload["cards"][:MAX_BUBBLES]
    return {
        "type": "flex",
        "altText": _clip(reply.payload.get("alt") or text or "-", MAX_ALT),
        "contents": {"type": "carousel", "contents": [_bubble(c) for c in cards]},
    }


def to_messages(replies: list[Reply]) -> list[Message]:
    """Render replies; texts are merged so that at most five messages go out.

    The choices of the last reply that has any ride on the last message, where
    LINE shows quick replies.
    """
    parts: list[tuple[str, Reply]] = []
    for reply in replies:
        text = reply.text()
        if reply.payload and reply.payload.get("type") == "cards":
            parts.append(("cards", reply))
        if text:
            parts.append((text, reply))
    # Merge neighbouring plain texts until the batch fits.
    while len(parts) > MAX_MESSAGES:
        for i in range(len(parts) - 1):
            if parts[i][0] != "cards" and parts[i + 1][0] != "cards":
                parts[i : i + 2] = [(parts[i][0] + "\n\n" + parts[i + 1][0], parts[i + 1][1])]
                break
        else:
            parts = parts[-MAX_MESSAGES:]
    choices = next((r.choices for r in reversed(replies) if r.choices), [])
    messages: list[Message] = []
    for index, (text, reply) in enumerate(parts):
        msg = _cards(reply, reply.text()) if text == "cards" else {
            "type": "text", "text": _clip(text, MAX_TEXT)}  # fmt: skip
        if index == len(parts) - 1:
            qr = quick_reply(choices)
            if qr:
                msg["quickReply"] = qr
        messages.append(msg)
    return messages
