"""Every /api/v1 request checked against the published OpenAPI document.

For each operation of the document, a compiled JSON Schema validator for
its body and one for its query parameters (query values are strings: a
parameter typed integer must be ASCII digits). The route's own checks stay
as a second line; this one guarantees that nothing the document refuses
reaches the database (NUL bytes, 11-digit ids, an 8-character postal code).
A failure is a 400 naming the field and the rule broken, never the value
(it may be personal).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, g, request
from jsonschema import Draft202012Validator, FormatChecker, validators

from bot.api.schemas import DATE_PATTERN, DATETIME_PATTERN

_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def _strict_int(_checker, value: Any) -> bool:
    # JSON Schema counts 1.0 as an integer; the routes (and the database) do not.
    return isinstance(value, int) and not isinstance(value, bool)


def is_datetime(value: Any) -> bool:
    """The date-times the API reads: ISO 8601 with a time, offset optional."""
    if not isinstance(value, str) or not re.fullmatch(DATETIME_PATTERN, value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def is_date(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(DATE_PATTERN, value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


_FORMATS = FormatChecker(formats=())
_FORMATS.checks("date-time")(lambda v: not isinstance(v, str) or is_datetime(v))
_FORMATS.checks("date")(lambda v: not isinstance(v, str) or is_date(v))
Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_int),
)


@dataclass
class Operation:
    role: str
    body: Any = None  # a compiled validator, or None when the operation takes no body
    query: dict[str, tuple[Any, bool]] = field(default_factory=dict)  # name → (validator, int?)


class Invalid(Exception):
    def __init__(self, code: str, field_name: str | None, detail: str) -> None:
        super().__init__(detail)
        self.code, self.field, self.detail = code, field_name, detail


def compile_operations(spec: dict[str, Any]) -> dict[tuple[str, str], Operation]:
    components = {"components": spec["components"]}

    def validator(schema: dict[str, Any]):
        return Validator({**schema, **components}, format_checker=_FORMATS)

    ops: dict[tuple[str, str], Operation] = {}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            compiled = Operation(role=op["x-token-role"])
            if "requestBody" in op:
                compiled.body = validator(op["requestBody"]["content"]["application/json"]["schema"])
            for p in op.get("parameters", []):
                if p["in"] == "query":
                    schema = p["schema"]
                    compiled.query[p["name"]] = (validator(schema), schema.get("type") == "integer")
            ops[(method.upper(), path)] = compiled
    return ops


def install(app: Flask, spec: dict[str, Any]) -> None:
    app.extensions["api_spec"] = spec
    app.extensions["api_operations"] = compile_operations(spec)


def _document_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix("/api/v1"))


def current_operation() -> Operation | None:
    if request.url_rule is None:
        return None
    key = (request.method, _document_path(request.url_rule.rule))
    return current_app.extensions["api_operations"].get(key)


def _where(error) -> str | None:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = [n for n in error.validator_value if n not in (error.instance or {})]
        parts.append(missing[0] if missing else "")
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        parts.append(next((k for k in error.instance if k not in allowed), ""))
    return ".".join(parts) or None


def _first_error(validator, instance: Any) -> Invalid | None:
    error = next(iter(validator.iter_errors(instance)), None)
    if error is None:
        return None
    code = "missing_field" if error.validator == "required" else "bad_value"
    named = []
    if error.validator == "anyOf":
        named = [alt["required"][0] for alt in error.validator_value if "required" in alt]
    if named:
        # "one of these fields" (or "this field unless …"): name the first, as the
        # handlers' own check does
        field = named[0]
        return Invalid("missing_field", field, "anyOf required")
    if error.schema.get("format") == "date-time":
        code = "bad_datetime"
    rule = error.validator_value if error.validator != "required" else None
    detail = f"{error.validator}" + (f" {rule}" if rule is not None and len(str(rule)) < 200 else "")
    return Invalid(code, _where(error), detail)


def check_request(op: Operation) -> None:
    """Raise Invalid for the first part of the request that breaks the document."""
    for name, (validator, is_int) in op.query.items():
        raw = request.args.get(name)
        if raw is None:
            continue
        value: Any = raw
        if is_int:
            if not re.fullmatch(r"[0-9]{1,10}", raw):
                raise Invalid("bad_value", name, "type integer")
            value = int(raw)
        elif _BAD_CHARS.search(raw):
            raise Invalid("bad_value", name, f"pattern {TEXT_RULE}")
        problem = _first_error(validator, value)
        if problem is not None:
            problem.field = name
            raise problem
    if op.body is None:
        return
    data = _json_body()
    if not isinstance(data, dict):
        raise Invalid("bad_json", None, "a JSON object is expected")
    problem = _first_error(op.body, data)
    if problem is not None:
        raise problem
    g.api_body = data


TEXT_RULE = "no NUL, no lone surrogate"


def _number(literal: str) -> int | float:
    # JSON Schema counts 2.0 as an integer, and so do we: an integral number is an int.
    value = float(literal)
    return int(value) if value.is_integer() else value


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _json_body() -> Any:
    """The body as JSON (NaN and Infinity refused), or None when it is not JSON."""
    if not request.is_json:
        return None
    try:
        return json.loads(request.get_data(cache=True), parse_float=_number,
                          parse_constant=_no_constant)  # fmt: skip
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        return None
