"""LINE rules that the documentation states and the OpenAPI file does not.

Checked against messaging-api.yml @ 6e4c2a2 before adding: the schema already
has 1..5 messages per request (Reply/Push/Multicast/Narrowcast/Broadcast
requests), at most 13 quick reply items (QuickReply.items), chatBarText ≤ 14,
Sender.name ≤ 20. What it lacks is added here, one rule per line, each with
the page of https://developers.line.biz/en/reference/messaging-api/ that
states it. Applied to the raw OpenAPI schemas, before the discriminator
dispatch is built, so ``$ref: Action`` still means "any action".
"""

from __future__ import annotations

import io
from typing import Any

SCHEMAS = "#/components/schemas/"
ACTION = {"$ref": SCHEMAS + "Action"}


def _prop(schemas: dict[str, Any], name: str, prop: str) -> dict[str, Any]:
    """The definition of ``prop`` in schema ``name`` (its own or an allOf part's)."""
    schema = schemas[name]
    for part in [schema, *schema.get("allOf", [])]:
        if prop in part.get("properties", {}):
            return part["properties"][prop]
    raise KeyError(f"{name}.{prop} not in the spec")  # the spec changed: revisit the rule


def _limit(schemas: dict[str, Any], name: str, prop: str, **limits: Any) -> None:
    _prop(schemas, name, prop).update(limits)


def _require(schemas: dict[str, Any], name: str, *props: str) -> None:
    schema = schemas[name]
    schema["required"] = sorted({*schema.get("required", []), *props})


def _labelled(max_len: int, required: bool) -> dict[str, Any]:
    """An action whose label the context limits (#action-objects, "label")."""
    label: dict[str, Any] = {"properties": {"label": {"type": "string", "maxLength": max_len}}}
    if required:
        label["required"] = ["label"]
        label["properties"]["label"]["minLength"] = 1
    return {"allOf": [dict(ACTION), label]}


def _set_action(schemas: dict[str, Any], name: str, prop: str, action: dict[str, Any]) -> None:
    definition = _prop(schemas, name, prop)
    if definition.get("type") == "array":
        definition["items"] = action
    else:
        definition.clear()
        definition.update(action)


def apply(schemas: dict[str, Any]) -> None:
    # #text-message: "text ... Max character limit: 5000"; LINE answers "May not be empty".
    for name in ("TextMessage", "TextMessageV2"):
        _limit(schemas, name, "text", minLength=1, maxLength=5000)
    # #imagemap-message, #template-messages, #flex-message: "altText ... Max character limit: 1500"
    for name in ("ImagemapMessage", "TemplateMessage", "FlexMessage"):
        _limit(schemas, name, "altText", minLength=1, maxLength=1500)

    # #items-object: type (required, "action") and action (required); the label of a
    # quick reply button is required, max 20 characters (#action-objects).
    item = schemas["QuickReplyItem"]
    _require(schemas, "QuickReplyItem", "type", "action")
    item["properties"]["type"]["enum"] = ["action"]
    _set_action(schemas, "QuickReplyItem", "action", _labelled(20, required=True))

    # #buttons: max 4 actions; #confirm: exactly 2; #column-object: max 3 actions,
    # #carousel / #image-carousel: max 10 columns. Labels: 20 characters, 12 in an
    # image carousel column (#action-objects).
    _limit(schemas, "ButtonsTemplate", "actions", minItems=1, maxItems=4)
    _set_action(schemas, "ButtonsTemplate", "actions", _labelled(20, required=True))
    _limit(schemas, "ConfirmTemplate", "actions", minItems=2, maxItems=2)
    _set_action(schemas, "ConfirmTemplate", "actions", _labelled(20, required=True))
    _limit(schemas, "CarouselColumn", "actions", minItems=1, maxItems=3)
    _set_action(schemas, "CarouselColumn", "actions", _labelled(20, required=True))
    _limit(schemas, "CarouselTemplate", "columns", minItems=1, maxItems=10)
    _limit(schemas, "ImageCarouselTemplate", "columns", minItems=1, maxItems=10)
    _set_action(schemas, "ImageCarouselColumn", "action", _labelled(12, required=False))

    # #f-carousel: "Max: 12 bubbles"; #f-button: the button's action label is
    # required there, max 40 characters (#action-objects, "label").
    _limit(schemas, "FlexCarousel", "contents", minItems=1, maxItems=12)
    _set_action(schemas, "FlexButton", "action", _labelled(40, required=True))

    # #rich-menu-object: size, selected, name, chatBarText and areas are required,
    # at most 20 areas; an area's label is optional, max 20 characters.
    _require(schemas, "RichMenuRequest", "size", "selected", "name", "chatBarText", "areas")
    _limit(schemas, "RichMenuRequest", "areas", maxItems=20)
    _require(schemas, "RichMenuArea", "bounds", "action")
    _set_action(schemas, "RichMenuArea", "action", _labelled(20, required=False))


# #upload-rich-menu-image: "Content-Type: image/jpeg or image/png"; image
# requirements: 800-2500 px wide, at least 250 px high, width/height >= 1.45,
# at most 1 MB.
RICH_MENU_IMAGE_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
RICH_MENU_IMAGE_MAX_BYTES = 1024 * 1024


def check_blob(operation_id: str, content_type: str, body: bytes) -> tuple[int, str] | None:
    """(status, message) when LINE would refuse a binary upload, else None."""
    if operation_id != "setRichMenuImage":
        return None
    magic = RICH_MENU_IMAGE_TYPES.get(content_type)
    if magic is None:
        return 415, "Content-Type must be image/jpeg or image/png"
    if len(body) > RICH_MENU_IMAGE_MAX_BYTES:
        return 400, "The image must not exceed 1 MB"
    if not body.startswith(magic):
        return 400, f"The body is not a {content_type} image"
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a declared dependency
        return None
    try:
        with Image.open(io.BytesIO(body)) as img:
            width, height = img.size
    except Exception:  # noqa: BLE001 - any decoder error means LINE would refuse it too
        return 400, "The image cannot be decoded"
    if not (800 <= width <= 2500 and height >= 250 and width / height >= 1.45):
        return 400, "Image size must be 800-2500 px wide, >= 250 px high, width/height >= 1.45"
    return None
