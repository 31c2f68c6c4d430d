"""POST /line/webhook below Flask (issue 16).

LINE's webhook is the one request that arrives by the thousand: under Flask,
its request context, routing, session interface and response object cost
about a quarter of the request's CPU, more than the work itself. This WSGI
middleware answers exactly ``POST /line/webhook`` with a Content-Length (what
LINE sends) by calling ``bot.line.webhook.receive`` directly, and hands
everything else to Flask unchanged. Same answers as the Flask route: 200
``{"ok":true}`` once the events are committed, 400 for a bad signature or
body, 413 over ``MAX_CONTENT_LENGTH``, 503 with ``Retry-After`` when the
database is busy or away (bot/db_guard.py), never a 5xx for bad input.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.db_guard import BUSY_BODY, RETRY_AFTER_SECONDS
from bot.line.webhook import OK_BODY, PATH, receive

log = logging.getLogger(__name__)

_JSON = ("Content-Type", "application/json")
_STATUS = {200: "200 OK", 400: "400 BAD REQUEST", 413: "413 REQUEST ENTITY TOO LARGE",
           503: "503 SERVICE UNAVAILABLE"}  # fmt: skip


class WebhookFastPath:
    def __init__(self, app: Flask, inner: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.inner(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return self.inner(environ, start_response)  # chunked or odd: Flask reads it
        if length < 0:
            return self.inner(environ, start_response)
        if length > self.app.config["MAX_CONTENT_LENGTH"]:
            log.warning("line webhook: rejected, %d bytes is over the limit", length)
            return _answer(start_response, 413, {"error": "request body too large"})
        body = environ["wsgi.input"].read(length) if length else b""
        signature = environ.get("HTTP_X_LINE_SIGNATURE", "")
        try:
            status, error = receive(self.app, body, signature)
        except (OperationalError, PoolTimeout) as exc:
            orig = getattr(exc, "orig", None)
            log.warning("POST %s: database busy or away (%s), answered 503", PATH,
                        type(orig if orig is not None else exc).__name__)  # fmt: skip
            start_response(_STATUS[503], [_JSON, ("Content-Length", str(len(BUSY_BODY))),
                                          ("Retry-After", str(RETRY_AFTER_SECONDS))])  # fmt: skip
            return [BUSY_BODY]
        if error is None:
            start_response(_STATUS[200], [_JSON, ("Content-Length", str(len(OK_BODY)))])
            return [OK_BODY]
        return _answer(start_response, status, error)


def _answer(start_response: Callable, status: int, document: dict[str, Any]) -> list[bytes]:
    body = (json.dumps(document) + "\n").encode()
    start_response(_STATUS[status], [_JSON, ("Content-Length", str(len(body)))])
    return [body]


def install(app: Flask) -> None:
    """Put the fast path in front of the app's WSGI callable (after ProxyFix, if any)."""
    app.wsgi_app = WebhookFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
