"""POST /line/webhook: verify, record, hand off, answer at once."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from linebot.v3.webhook import SignatureValidator

from bot.line.events import record_row
from bot.line.validate import BadBody, parse_body
from models.db import db
from models.inbound import record_events

log = logging.getLogger(__name__)
bp = Blueprint("line", __name__)


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
        with db.unit_of_work() as s:
            new_ids = record_events(s, [record_row(e) for e in events])
            s.commit()
        current_app.extensions["event_processor"].submit(new_ids)
    return jsonify({"ok": True})
