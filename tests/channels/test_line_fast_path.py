"""The webhook's WSGI fast path (bot/line/fast_path.py) answers as the Flask route does."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from bot.line.fast_path import WebhookFastPath
from models.db import db
from models.inbound import InboundEvent
from tests.line_helpers import body_of, event, post, sign


def _count() -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(InboundEvent))


def test_the_app_serves_the_webhook_through_the_fast_path(app):
    assert isinstance(app.wsgi_app, WebhookFastPath)


def test_an_event_is_recorded_and_answered_with_the_same_bytes(client, new_user_id):
    resp = post(client, body_of(event("text", new_user_id, text="手数料は？")))
    assert resp.status_code == 200
    assert resp.data == b'{"ok":true}\n'
    assert resp.headers["Content-Type"] == "application/json"
    assert _count() == 1


def test_errors_are_json_with_a_clear_message(client, new_user_id):
    body = body_of(event("text", new_user_id, text="x"))
    resp = post(client, body, signature=sign(body, secret="other"))
    assert resp.status_code == 400 and resp.get_json() == {"error": "invalid signature"}
    resp = post(client, b"{not json")
    assert resp.status_code == 400 and resp.get_json()["error"].startswith("malformed body")
    big = b'{"events": [], "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    resp = post(client, big)
    assert resp.status_code == 413 and "error" in resp.get_json()
    assert _count() == 0


def test_a_body_without_content_length_goes_to_the_flask_route(app, new_user_id):
    """Chunked bodies (no Content-Length) are read by Flask: same result."""
    body = body_of(event("text", new_user_id, text="手数料は？"))
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/line/webhook", "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True, "HTTP_X_LINE_SIGNATURE": sign(body),
        "CONTENT_TYPE": "application/json", "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "wsgi.version": (1, 0), "SCRIPT_NAME": "", "QUERY_STRING": "",
    }  # fmt: skip
    seen = []
    out = b"".join(app.wsgi_app(environ, lambda status, headers: seen.append(status)))
    assert seen == ["200 OK"] and out == b'{"ok":true}\n'
    assert _count() == 1


def test_other_methods_and_paths_are_flasks(client):
    assert client.get("/line/webhook").status_code == 405
    assert client.post("/line/webhook/").status_code in (404, 405, 308)
