"""OpenAPI 3.0 schemas as JSON Schema 2020-12, with discriminators that dispatch.

* ``nullable: true`` becomes ``type: [t, "null"]``;
* every schema with a ``discriminator`` (Message, Action, FlexComponent, ...)
  becomes a dispatcher: ``type`` must be one of the mapping's keys, and the
  object is validated against the mapped schema (keyword ``x-line-dispatch``).
  The subtypes' ``allOf`` reference to their base points at ``<Base>__base``
  (the base without the dispatch), so the recursion ends, and a subtype
  reached directly (a carousel's bubbles) must carry its own ``type``;
* formats: uuid, date-time, uri (a scheme and no spaces), int32, int64.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators

SPEC_URI = "urn:line:messaging-api"
SCHEMAS = "#/components/schemas/"
DISPATCH = "x-line-dispatch"


def walk(node: Any, fn) -> None:
    if isinstance(node, dict):
        fn(node)
        for value in node.values():
            walk(value, fn)
    elif isinstance(node, list):
        for value in node:
            walk(value, fn)


def nullable(node: dict[str, Any]) -> None:
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
        if "enum" in node:
            node["enum"] = [*node["enum"], None]


def dispatch(schemas: dict[str, Any]) -> None:
    """Replace each discriminated base by a dispatcher on its ``type`` (see module doc)."""
    for name in [n for n, s in schemas.items() if "discriminator" in s]:
        base = schemas[name]
        disc = base.pop("discriminator")
        prop = disc["propertyName"]
        mapping = disc.get("mapping") or {}
        schemas[f"{name}__base"] = base
        for key, ref in mapping.items():
            sub = schemas[ref.removeprefix(SCHEMAS)]
            for part in sub.get("allOf", []):
                if part.get("$ref") == SCHEMAS + name:
                    part["$ref"] = f"{SCHEMAS}{name}__base"
                    if list(mapping.values()).count(ref) == 1:
                        sub.setdefault("properties", {})[prop] = {"const": key}
        schemas[name] = {
            "type": "object",
            "required": [prop],
            "properties": {prop: {"type": "string", "enum": list(mapping)}},
            DISPATCH: {"property": prop, "mapping": {k: SPEC_URI + r for k, r in mapping.items()}},
        }


def _dispatch_keyword(validator: Any, spec: Any, instance: Any, schema: Any) -> Any:
    """Validate against the schema the discriminator maps ``instance[property]`` to.

    One lookup instead of one ``if``/``then`` per subtype: ~3x faster on Flex carousels.
    """
    if isinstance(instance, dict):
        ref = spec["mapping"].get(instance.get(spec["property"]))
        if ref is not None:
            yield from validator.descend(instance, {"$ref": ref})


LineValidator = validators.extend(Draft202012Validator, {DISPATCH: _dispatch_keyword})


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=("uuid",))

    @checker.checks("date-time")
    def _date_time(value: Any) -> bool:
        if not isinstance(value, str):
            return True
        try:
            return datetime.fromisoformat(value).tzinfo is not None
        except ValueError:
            return False

    @checker.checks("int32")
    def _int32(value: Any) -> bool:
        return not isinstance(value, int) or -(2**31) <= value < 2**31

    @checker.checks("int64")
    def _int64(value: Any) -> bool:
        return not isinstance(value, int) or -(2**63) <= value < 2**63

    @checker.checks("uri")
    def _uri(value: Any) -> bool:  # RFC 3986: a scheme, no spaces (tel:, line://, https://)
        return not isinstance(value, str) or bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value))

    return checker


FORMATS = _format_checker()
