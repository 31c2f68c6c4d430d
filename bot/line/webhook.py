"""POST /line/webhook: verify, record, hand off, answer at once.

Recording is one INSERT, shared with the requests arriving at the same moment
(bot/line/recording.py); bot/pipeline.py processes the new events.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from linebot.v3.webhook import SignatureValidator

from bot.line.events import record_row
from bot.line.validate import BadBody, parse_body
from models.inbound import RECEIVED

log = logging.getLogger(__name__)
bp = Blueprint("line", __name__)
OK_BODY = b'{"ok":true}\n'  # the same bytes every time: no encoder on the hot path


def _error(status: int, message: str):
    return jsonify({"error": message}), status


@bp.post("/line/webhook")
def webhook():
    body = request.get_data(cache=False)
    signature = request.headers.get("X-Line-Signature", "")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    validator = SignatureValidator(current_app.config["LINE_CHANNEL_SECRET"])
    if not signature or text is None or not validator.validate(text, signature):
        log.warning("line webhook: rejected, bad or missing signature (%d bytes)", len(body))
        return _error(400, "invalid signature")
    try:
        events = parse_body(text)
    except BadBody as exc:
        log.warning("line webhook: rejected, %s (%d bytes)", exc, len(body))
        return _error(400, f"malformed body: {exc}")
    if events:
        processor = current_app.extensions["event_processor"]
        processor.wait_for_room()  # a burst: accept at the pace we answer (bot/pipeline.py)
        rows = [record_row(e) for e in events]
        for row in rows:
            if row["event_type"] == "follow" and row["status"] == RECEIVED:
                # A new friend: their LINE app's language proposes ours (issue 17).
                # Asked here, before any transaction, and kept with the event.
                client = current_app.extensions["delivery"].line_client()
                language = client.profile_language(row["payload"]["userId"])
                if language:
                    row["payload"]["profileLanguage"] = language
        # Committed (with other requests' events: bot/line/recording.py) before the 200.
        new_ids = current_app.extensions["recorder"].record(rows)
        processor.submit(new_ids)
    return current_app.response_class(OK_BODY, mimetype="application/json")
