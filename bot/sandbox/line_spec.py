"""LINE Messaging API requests checked against LINE's own OpenAPI definition.

Pure: no Flask, no database. ``LineSpec.load()`` parses ``spec/messaging-api.yml``
once per process (about 0.1 s with libyaml), adds the LINE rules the file lacks
(``line_rules.py``) and turns its schemas into JSON Schema 2020-12 whose
discriminators dispatch on ``type`` (``openapi.py``).

``validate`` routes a request to its operation, then checks authentication,
content type, path, query and header parameters and the body, and answers
with the status LINE would give.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from bot.sandbox import line_rules
from bot.sandbox.openapi import (
    FORMATS,
    SPEC_URI,
    LineValidator,
    dispatch,
    nullable,
    walk,
)

DEFAULT_SPEC = Path(__file__).with_name("spec") / "messaging-api.yml"
METHODS = ("get", "put", "post", "delete", "patch")

# LINE's own wording where known (observed answers of api.line.me).
MSG_AUTH = (
    "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
)
MSG_NOT_FOUND = "Not found"
MSG_METHOD = "Method not allowed"
MSG_MEDIA = "Unsupported media type"
MSG_JSON = "The request body could not be parsed as JSON"
MSG_MISSING_BODY = "The request body is missing"
_BEARER = re.compile(r"^Bearer [^\s]+$")


@dataclass(frozen=True)
class Error:
    property: str
    message: str


@dataclass
class ValidationResult:
    status: int
    operation_id: str | None = None
    message: str = ""
    errors: list[Error] = field(default_factory=list)
    path_params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    success_status: int = 200

    @property
    def ok(self) -> bool:
        return self.status == 200

    def error_body(self) -> dict[str, Any]:
        """The JSON LINE answers with when a request is refused."""
        body: dict[str, Any] = {"message": self.message}
        if self.errors:
            body["details"] = [{"message": e.message, "property": e.property} for e in self.errors]
        return body


@dataclass
class Operation:
    operation_id: str
    method: str
    template: str
    regex: re.Pattern[str]
    params: dict[tuple[str, str], dict[str, Any]]  # (in, lowercased name) -> parameter
    content: dict[str, Any]  # media type -> schema
    body_required: bool
    success_status: int
    secured: bool
    _validator: Any = None


# -- errors in LINE's words --------------------------------------------------------------


def _property(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(err: ValidationError) -> Error:
    prop = _property(err.absolute_path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    v = err.validator
    if v == "required":
        missing = re.match(r"^'(.+)' is a required property$", err.message)
        name = missing.group(1) if missing else "?"
        return Error(f"{prop}.{name}" if prop else name, "must be specified")
    if v in ("minLength", "maxLength"):
        if err.instance == "":
            return Error(prop, "May not be empty")
        lo, hi = schema.get("minLength", 0), schema.get("maxLength", "∞")
        return Error(prop, f"Length must be between {lo} and {hi}")
    if v in ("minItems", "maxItems"):
        lo, hi = schema.get("minItems", 0), schema.get("maxItems", "∞")
        return Error(prop, f"Size must be between {lo} and {hi}")
    if v in ("minimum", "maximum"):
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if lo is None or hi is None:
            return Error(prop, f"Must be at most {hi}" if lo is None else f"Must be at least {lo}")
        return Error(prop, f"Must be between {lo} and {hi}")
    if v == "enum":
        values = ", ".join(str(x) for x in err.validator_value)
        return Error(prop, f"Must be one of the following values: [{values}]")
    if v == "const":
        return Error(prop, f"Must be '{err.validator_value}'")
    if v == "type":
        return Error(prop, f"Must be of type {err.validator_value}")
    if v == "format":
        return Error(prop, f"Invalid format (expected {err.validator_value})")
    if v == "pattern":
        return Error(prop, f"Must match {err.validator_value}")
    # Never echo the instance: these errors are stored and shown.
    return Error(prop, f"Invalid value ({v})")


def _natural(prop: str) -> list[Any]:
    """items[2] before items[10]."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", prop)]


def _errors(validator: Any, instance: Any, prefix: str = "") -> list[Error]:
    found = {_describe(e) for e in validator.iter_errors(instance)}
    if prefix:
        found = {Error(f"{prefix}.{e.property}".rstrip("."), e.message) for e in found}
    return sorted(found, key=lambda e: (_natural(e.property), e.message))


# -- the spec -----------------------------------------------------------------------------


class LineSpec:
    _cache: dict[tuple[str, float], LineSpec] = {}
    _lock = threading.Lock()

    def __init__(self, document: Mapping[str, Any]) -> None:
        doc = copy.deepcopy(dict(document))
        schemas = doc["components"]["schemas"]
        line_rules.apply(schemas)
        walk(schemas, nullable)
        dispatch(schemas)
        resource = DRAFT202012.create_resource({"components": {"schemas": schemas}})
        self.registry: Registry = Registry().with_resource(SPEC_URI, resource).crawl()
        self.schemas = schemas
        self.operations = self._operations(doc)
        self.by_id = {op.operation_id: op for op in self.operations}

    @classmethod
    def load(cls, path: Path | str = DEFAULT_SPEC) -> LineSpec:
        """Parse once per process and file version; later calls are free."""
        p = Path(path).resolve()
        key = (str(p), p.stat().st_mtime)
        with cls._lock:
            if key not in cls._cache:
                loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
                with p.open("rb") as fh:
                    cls._cache[key] = cls(yaml.load(fh, Loader=loader))  # noqa: S506 - safe loader
            return cls._cache[key]

    @staticmethod
    def _operations(doc: Mapping[str, Any]) -> list[Operation]:
        ops: list[Operation] = []
        default_secured = bool(doc.get("security"))
        for template, item in doc["paths"].items():
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            regex = re.compile(f"^{pattern}$")
            shared = {(p["in"], p["name"].lower()): p for p in item.get("parameters", [])}
            for method in METHODS:
                op = item.get(method)
                if op is None:
                    continue
                params = dict(shared)
                params.update({(p["in"], p["name"].lower()): p for p in op.get("parameters", [])})
                body = op.get("requestBody") or {}
                codes = sorted(int(c) for c in op.get("responses", {}) if str(c).startswith("2"))
                ops.append(
                    Operation(
                        operation_id=op["operationId"],
                        method=method.upper(),
                        template=template,
                        regex=regex,
                        params=params,
                        content={
                            ct: media.get("schema", {})
                            for ct, media in body.get("content", {}).items()
                        },
                        body_required=bool(body.get("required")),
                        success_status=codes[0] if codes else 200,
                        secured=bool(op.get("security", [{}] if default_secured else [])),
                    )
                )
        # Literal segments win over parameters: /richmenu/list before /richmenu/{id}.
        ops.sort(key=lambda o: (o.template.count("{"), -len(o.template)))
        return ops

    def validator_for(self, schema: Mapping[str, Any]) -> Any:
        """A validator for a schema whose ``$ref``s point into the spec."""
        schema = json.loads(
            json.dumps(schema).replace('"#/components/', f'"{SPEC_URI}#/components/')
        )
        return LineValidator(schema, registry=self.registry, format_checker=FORMATS)

    def route(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], int]:
        """The operation for a request: (operation, path params, 200|404|405)."""
        method = method.upper()
        matched = False
        for op in self.operations:
            m = op.regex.match(path)
            if m is None:
                continue
            matched = True
            if op.method == method:
                return op, m.groupdict(), 200
        return None, {}, 405 if matched else 404

    def validate(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, query: str = ""
    ) -> ValidationResult:
        path, _, qs = path.partition("?")
        query = query or qs
        op, path_params, status = self.route(method, path)
        if op is None:
            return ValidationResult(status, message=MSG_NOT_FOUND if status == 404 else MSG_METHOD)
        res = ValidationResult(200, op.operation_id, path_params=path_params)
        res.success_status = op.success_status
        hdrs = {k.lower(): v for k, v in headers.items()}
        if op.secured and not _BEARER.match(hdrs.get("authorization", "")):
            res.status, res.message = 401, MSG_AUTH
            return res
        if self._check_params(op, res, hdrs, path_params, query):
            return res
        self._check_body(op, res, hdrs, body)
        return res

    def _check_params(
        self,
        op: Operation,
        res: ValidationResult,
        hdrs: Mapping[str, str],
        path_params: Mapping[str, str],
        query: str,
    ) -> bool:
        """Path, query and header parameters; True when the request is refused."""
        given = {"path": dict(path_params), "header": dict(hdrs)}
        given["query"] = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
        errors: list[Error] = []
        for (where, name), param in op.params.items():
            values = given.get(where, {})
            value = values.get(name) if where != "path" else values.get(param["name"])
            if value is None:
                if param.get("required"):
                    errors.append(Error(param["name"], "must be specified"))
                continue
            schema = param.get("schema", {})
            if schema.get("type") in ("integer", "number"):
                try:
                    value = int(value) if schema["type"] == "integer" else float(value)
                except ValueError:
                    errors.append(Error(param["name"], f"Must be of type {schema['type']}"))
                    continue
            errors += _errors(self.validator_for(schema), value, param["name"])
        if not errors:
            return False
        res.status, res.errors = 400, errors
        header_errors = [e for e in errors if e.property.lower() in hdrs]
        if header_errors:
            # LINE names the header and gives no details (e.g. a retry key that is no UUID).
            res.message = f"The value for the '{header_errors[0].property}' header is invalid"
            res.errors = []
        else:
            res.message = f"The request has {len(errors)} error(s)"
        return True

    def _check_body(
        self, op: Operation, res: ValidationResult, hdrs: Mapping[str, str], body: bytes
    ) -> None:
        if not op.content:
            return
        ctype = hdrs.get("content-type", "").split(";")[0].strip().lower()
        if not body and not op.body_required:
            return
        if ctype not in op.content and "*/*" not in op.content:
            res.status, res.message = 415, MSG_MEDIA
            return
        if not body:
            res.status, res.message = 400, MSG_MISSING_BODY
            return
        if ctype != "application/json":
            refusal = line_rules.check_blob(op.operation_id, ctype, body)
            if refusal is not None:
                res.status, res.message = refusal
            return
        try:
            res.json = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            res.status, res.message = 400, MSG_JSON
            return
        if op._validator is None:
            op._validator = self.validator_for(op.content["application/json"])
        res.errors = _errors(op._validator, res.json)
        if res.errors:
            res.status = 400
            res.message = f"The request body has {len(res.errors)} error(s)"
