"""Replies → LINE message objects (line-bot-sdk v3), within LINE's limits.

Limits (Messaging API reference): 5 messages per reply or push, 13 quick
reply items, 20-character action labels, 5,000-character texts, 300-character
postback data, 12 bubbles per Flex carousel, 1,500-character altText.
"""

from __future__ import annotations

import logging

from linebot.v3.messaging import (
    DatetimePickerAction,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexCarousel,
    FlexMessage,
    FlexText,
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
    URIAction,
)

from handlers.contract import Choice, Reply

log = logging.getLogger(__name__)

MAX_MESSAGES = 5
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_TEXT = 5000
MAX_DATA = 300
MAX_BUBBLES = 12
MAX_ALT = 1500


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_for(choice: Choice):
    label = _clip(choice.label, MAX_LABEL)
    if choice.kind in ("date", "datetime", "time"):
        params = {k: v for k, v in choice.params.items() if k in ("initial", "max", "min")}
        return DatetimePickerAction(
            label=label, data=choice.value[:MAX_DATA], mode=choice.kind, **params
        )
    if choice.kind == "uri":
        return URIAction(label=label, uri=choice.params["uri"])
    return PostbackAction(
        label=label, data=choice.value[:MAX_DATA], display_text=_clip(choice.label, 300)
    )


def quick_reply(choices: list[Choice]) -> QuickReply | None:
    if not choices:
        return None
    if len(choices) > MAX_QUICK_REPLIES:
        log.warning("quick reply cut from %d to %d items", len(choices), MAX_QUICK_REPLIES)
    return QuickReply(
        items=[QuickReplyItem(action=action_for(c)) for c in choices[:MAX_QUICK_REPLIES]]
    )


def _bubble(card: dict) -> FlexBubble:
    body = [FlexText(text=_clip(card["title"], 200), weight="bold", size="md", wrap=True)]
    body += [FlexText(text=_clip(line, 200), size="sm", wrap=True) for line in card.get("lines", [])]
    footer = None
    if card.get("choices"):
        footer = FlexBox(
            layout="vertical",
            spacing="sm",
            contents=[
                FlexButton(action=action_for(c), style="primary", height="sm")
                for c in card["choices"][:3]
            ],
        )
    return FlexBubble(
        body=FlexBox(layout="vertical", spacing="sm", contents=body), footer=footer
    )


def _cards(reply: Reply, text: str) -> FlexMessage:
    cards = reply.payload["cards"][:MAX_BUBBLES]
    return FlexMessage(
        alt_text=_clip(reply.payload.get("alt") or text or "-", MAX_ALT),
        contents=FlexCarousel(contents=[_bubble(c) for c in cards]),
    )


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
        last = index == len(parts) - 1
        qr = quick_reply(choices) if last else None
        if text == "cards":
            msg = _cards(reply, reply.text())
            if qr:
                msg.quick_reply = qr
        else:
            msg = TextMessage(text=_clip(text, MAX_TEXT), quick_reply=qr)
        messages.append(msg)
    return messages


def to_json(messages: list[Message]) -> list[dict]:
    """The wire form, as stored in the outbox."""
    return [m.to_dict() for m in messages]
