"""The phone simulator (sandbox mode only): /sandbox/phone.

The page asks ``/sandbox/api/phone/request`` to POST form parameters to one
of our /twilio/… webhooks; the server signs them exactly as Twilio does
(X-Twilio-Signature over PUBLIC_BASE_URL + path + query and the sorted
parameters, with the auth token) and sends them over HTTP to our own URL.
The page shows the TwiML and what the caller would hear, and follows
Gather, Dial, Record, Redirect and Hangup. Outbound SMS are read back from
the Twilio stand-in.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from flask import Blueprint, current_app, jsonify, render_template, request

from bot.sandbox.simulator import CSP
from bot.twilio_signature import sign

bp = Blueprint("sandbox_phone", __name__, url_prefix="/sandbox")


def post_signed_form(url: str, token: str, params: dict[str, str]) -> tuple[int, str]:
    body = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(token, url, params),
            "User-Agent": "TwilioProxy/1.1 (myna-desk sandbox)",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 - our own URL
            return resp.status, resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


@bp.get("/phone")
def phone_page():
    cfg = current_app.config
    page = render_template(
        "sandbox/phone.html",
        twilio_number=cfg["TWILIO_FROM_NUMBER"],
        account_sid=cfg["TWILIO_ACCOUNT_SID"],
    )
    return page, {"Content-Security-Policy": CSP}


@bp.post("/api/phone/request")
def phone_request():
    data = request.get_json(silent=True) or {}
    path = str(data.get("path") or "")
    params = data.get("params") or {}
    if not path.startswith("/twilio/") or not isinstance(params, dict):
        return jsonify({"error": "path must start with /twilio/ and params be an object"}), 400
    params = {str(k): str(v) for k, v in params.items()}
    cfg = current_app.config
    status, body = post_signed_form(cfg["PUBLIC_BASE_URL"] + path, cfg["TWILIO_AUTH_TOKEN"], params)
    return jsonify({"status": status, "body": body})
