"""The resident simulator (sandbox mode only).

``/sandbox`` is a page where a person chats with the bot as a LINE user.
The page asks ``/sandbox/api/line/event`` to send an event; the server builds
the webhook body LINE would send, signs it with the channel secret, issues a
reply token in the stand-in and POSTs it to our own ``/line/webhook`` over
HTTP, exactly as LINE does. Replies are read back from what the stand-in
recorded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
)

from bot.line.validate import USER_ID
from bot.sandbox.line_api import PROFILE_LANGUAGES
from models.db import db
from models.sandbox import issue_reply_token

LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}")

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")
EVENT_KINDS = ("text", "postback", "follow", "unfollow", "image", "sticker")


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def build_event(kind: str, user_id: str, reply_token: str | None, **fields: Any) -> dict:
    event: dict[str, Any] = {
        "type": "message" if kind in ("text", "image", "sticker") else kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": "01" + secrets.token_hex(12).upper(),
        "deliveryContext": {"isRedelivery": False},
    }
    if reply_token:
        event["replyToken"] = reply_token
    if kind == "text":
        event["message"] = {"type": "text", "id": str(secrets.randbits(52)), "text": fields["text"]}
    elif kind == "image":
        event["message"] = {
            "type": "image",
            "id": str(secrets.randbits(52)),
            "contentProvider": {"type": "line"},
        }
    elif kind == "sticker":
        event["message"] = {
            "type": "sticker",
            "id": str(secrets.randbits(52)),
            "packageId": "446",
            "stickerId": "1988",
            "stickerResourceType": "STATIC",
        }
    elif kind == "postback":
        event["postback"] = {"data": fields["data"]}
        if fields.get("params"):
            event["postback"]["params"] = fields["params"]
    elif kind == "follow":
        event["follow"] = {"isUnblocked": False}
    return event


def post_signed(url: str, secret: str, events: list[dict]) -> int:
    body = json.dumps({"destination": "Usandbox", "events": events}, ensure_ascii=False).encode()
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Line-Signature": sign(secret, body)},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - our own URL
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


SCRIPTS = frozenset({"simulator.js", "phone.js"})
# Sandbox pages: scripts from here only; their small inline styles stay allowed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")  # fmt: skip


@bp.get("")
def page():
    return render_template("sandbox/simulator.html"), {"Content-Security-Policy": CSP}


@bp.get("/<name>")
def script(name: str):
    if name not in SCRIPTS:
        abort(404)
    return Response(render_template(f"sandbox/{name}"), mimetype="text/javascript")


@bp.post("/api/line/event")
def send_event():
    data = request.get_json(silent=True) or {}
    kind = data.get("kind")
    user_id = str(data.get("user") or "")
    if kind not in EVENT_KINDS or not USER_ID.fullmatch(user_id):
        return jsonify({"error": "kind or user is invalid"}), 400
    if kind == "text" and not str(data.get("text") or "").strip():
        return jsonify({"error": "text is empty"}), 400
    if kind == "postback" and not data.get("data"):
        return jsonify({"error": "postback data is empty"}), 400
    language = data.get("language")
    if language is not None:
        # The simulated phone's LINE language, read by the profile API (issue 17).
        if not isinstance(language, str) or not LANGUAGE_TAG.fullmatch(language):
            return jsonify({"error": "language must be a BCP 47 tag such as en or zh-Hans"}), 400
        PROFILE_LANGUAGES[user_id] = language
    token = None
    if kind != "unfollow":
        with db.unit_of_work() as s:
            token = issue_reply_token(s, user_id)
            s.commit()
    fields = {k: data.get(k) for k in ("text", "data", "params")}
    event = build_event(kind, user_id, token, **fields)
    status = post_signed(
        current_app.config["PUBLIC_BASE_URL"] + "/line/webhook",
        current_app.config["LINE_CHANNEL_SECRET"],
        [event],
    )
    return jsonify({"webhook_status": status, "event_id": event["webhookEventId"]})


@bp.get("/emails")
def emails():
    """What the e-mail stand-in recorded (notices to the city), the latest first."""
    from models.sandbox_email import recorded_emails

    with db.reader() as s:
        return jsonify([e.as_dict() for e in recorded_emails(s)])


def register(app: Flask) -> None:
    from bot.sandbox import phone
    from bot.sandbox.line_api import line_api_bp
    from bot.sandbox.twilio_api import twilio_api_bp

    app.register_blueprint(line_api_bp, url_prefix="/sandbox/line-api")
    app.register_blueprint(twilio_api_bp, url_prefix="/sandbox/twilio-api")
    app.register_blueprint(phone.bp)  # the phone simulator at /sandbox/phone
    app.register_blueprint(bp)
