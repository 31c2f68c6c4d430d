"""POST /line/webhook: verify, record, hand off, answer at once.

``receive`` is the whole of it, the same for both ways in: the WSGI fast path
(bot/line/fast_path.py, what serves LINE: no request context, no routing) and
the Flask route below (the same URL for anything the fast path leaves to
Flask, e.g. a body sent without Content-Length). Recording is one INSERT,
shared with the requests arriving at the same moment (bot/line/recording.py);
bot/pipeline.py processes the new events.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from linebot.v3.webhook import SignatureValidator

from bot.line.events import record_row
from bot.line.validate import BadBody, parse_body
from models.inbound import RECEIVED

log = logging.getLogger(__name__)
bp = Blueprint("line", __name__)
PATH = "/line/webhook"
OK_BODY = b'{"ok":true}\n'  # the same bytes every time: no encoder on the hot path


def receive(app: Flask, body: bytes, signature: str) -> tuple[int, dict[str, Any] | None]:
    """Handle one webhook body: (200, None) once its events are committed, or a 4xx
    and its error document. Database errors propagate (the caller answers 503)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    validator = SignatureValidator(app.config["LINE_CHANNEL_SECRET"])
    if not signature or text is None or not validator.validate(text, signature):
        log.warning("line webhook: rejected, bad or missing signature (%d bytes)", len(body))
        return 400, {"error": "invalid signature"}
    try:
        events = parse_body(text)
    except BadBody as exc:
        log.warning("line webhook: rejected, %s (%d bytes)", exc, len(body))
        return 400, {"error": f"malformed body: {exc}"}
    if events:
        processor = app.extensions["event_processor"]
        processor.wait_for_room()  # a burst: accept at the pace we answer (bot/pipeline.py)
        rows = [record_row(e) for e in events]
        for row in rows:
            if row["event_type"] == "follow" and row["status"] == RECEIVED:
                # A new friend: their LINE app's language proposes ours (issue 17).
                # Asked here, before any transaction, and kept with the event.
                client = app.extensions["delivery"].line_client()
                language = client.profile_language(row["payload"]["userId"])
                if language:
                    row["payload"]["profileLanguage"] = language
        # Committed (with other requests' events: bot/line/recording.py) before the 200.
        new_ids = app.extensions["recorder"].record(rows)
        processor.submit(new_ids)
    return 200, None


@bp.post(PATH)
def webhook():
    status, error = receive(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        request.get_data(cache=False),
        request.headers.get("X-Line-Signature", ""),
    )
    if error is not None:
        return jsonify(error), status
    return current_app.response_class(OK_BODY, mimetype="application/json")
