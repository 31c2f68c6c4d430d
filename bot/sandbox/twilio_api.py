"""A stand-in for Twilio's REST API (2010-04-01 Messages and Calls), sandbox only.

Registered under ``/sandbox/twilio-api``; the SMS client's ``api.base_url``
points here when no Twilio credentials are set. Requests are checked the way
Twilio checks them (HTTP basic auth with the account SID and auth token;
To in E.164; From or MessagingServiceSid; Body or MediaUrl; Body at most
1,600 characters), recorded whether valid or not, and answered with Twilio's
JSON, errors included ({"code", "message", "more_info", "status"}).

Control endpoints (not Twilio's) under ``/_sandbox/``: list what was recorded,
simulate an outage.
"""

from __future__ import annotations

import re
import secrets
from email.utils import format_datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from models.base import utcnow
from models.db import db
from models.sandbox_twilio import (
    record_twilio_request,
    set_twilio_fault,
    take_twilio_fault,
    twilio_requests_since,
)

twilio_api_bp = Blueprint("sandbox_twilio_api", __name__)
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
MAX_BODY = 1600
ERRORS = {
    20003: (401, "Authenticate"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21212: (400, "The 'From' number {frm} is not a valid phone number or shortcode."),
    21205: (400, "Url parameter is required."),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}


def error_body(code: int, **fields: str) -> tuple[dict[str, Any], int]:
    status, message = ERRORS[code]
    return {
        "code": code,
        "message": message.format(**fields),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }, status


def _authorised(account_sid: str) -> bool:
    auth = request.authorization
    cfg = current_app.config
    return bool(
        auth
        and auth.username == cfg["TWILIO_ACCOUNT_SID"] == account_sid
        and auth.password == cfg["TWILIO_AUTH_TOKEN"]
    )


def _check_message(p: dict[str, str]) -> int | None:
    if not p.get("To"):
        return 21604
    if not E164.match(p["To"]):
        return 21211
    if not p.get("From") and not p.get("MessagingServiceSid"):
        return 21603
    if p.get("From") and not (
        E164.match(p["From"]) or re.fullmatch(r"[A-Za-z0-9 ]{1,11}", p["From"])
    ):
        return 21212
    if not p.get("Body") and not p.get("MediaUrl"):
        return 21602
    if len(p.get("Body", "")) > MAX_BODY:
        return 21617
    return None


def _check_call(p: dict[str, str]) -> int | None:
    if not p.get("To"):
        return 21604
    if not E164.match(p["To"]):
        return 21211
    if not p.get("From") or not E164.match(p["From"]):
        return 21212 if p.get("From") else 21603
    if not (p.get("Url") or p.get("Twiml") or p.get("ApplicationSid")):
        return 21205
    return None


def _segments(body: str) -> int:
    if all(ord(c) < 128 for c in body):
        return 1 if len(body) <= 160 else -(-len(body) // 153)
    return 1 if len(body) <= 70 else -(-len(body) // 67)


def _resource(account_sid: str, resource: str, prefix: str, check):
    params = request.form.to_dict()
    sid = None
    with db.unit_of_work() as s:
        if not _authorised(account_sid):
            body, status = error_body(20003)
        elif (fault := take_twilio_fault(s)) is not None:
            body, _ = error_body(20429 if fault == 429 else 20500)
            body["status"] = status = fault
        elif (code := check(params)) is not None:
            body, status = error_body(code, to=params.get("To", ""), frm=params.get("From", ""))
        else:
            sid = prefix + secrets.token_hex(16)
            now = format_datetime(utcnow(), usegmt=True)
            body, status = (
                {
                    "sid": sid,
                    "account_sid": account_sid,
                    "to": params.get("To"),
                    "from": params.get("From"),
                    "status": "queued",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                    "date_created": now,
                    "date_updated": now,
                    "date_sent": None,
                    "price": None,
                    "error_code": None,
                    "error_message": None,
                    "uri": f"/2010-04-01/Accounts/{account_sid}/{resource}/{sid}.json",
                },
                201,
            )
            if resource == "Messages":
                body.update(
                    body=params.get("Body", ""),
                    num_segments=str(_segments(params.get("Body", ""))),
                    num_media="0",
                    messaging_service_sid=params.get("MessagingServiceSid"),
                )
        recorded = {k: v for k, v in body.items() if k != "body"}
        record_twilio_request(
            s, resource=resource, status=status, params=params, response=recorded, sid=sid
        )
        s.commit()
    return jsonify(body), status


@twilio_api_bp.post("/2010-04-01/Accounts/<account_sid>/Messages.json")
def messages(account_sid: str):
    return _resource(account_sid, "Messages", "SM", _check_message)


@twilio_api_bp.post("/2010-04-01/Accounts/<account_sid>/Calls.json")
def calls(account_sid: str):
    return _resource(account_sid, "Calls", "CA", _check_call)


@twilio_api_bp.get("/_sandbox/requests")
def sandbox_requests():
    """``?after=ID&to=+81...``: what the stand-in recorded, oldest first."""
    try:
        after = int(request.args.get("after", 0))
    except ValueError:
        return {"message": "after must be an integer"}, 400
    with db.reader() as s:
        rows = twilio_requests_since(s, after, to=request.args.get("to") or None)
        items = [r.as_dict() for r in rows]
    return {"requests": items, "lastId": items[-1]["id"] if items else after}


@twilio_api_bp.post("/_sandbox/fault")
def sandbox_fault():
    """``{"count": n, "status": 500}``: the next n requests fail with that status."""
    payload = request.get_json(silent=True) or {}
    count, status = payload.get("count", 1), payload.get("status", 500)
    if not isinstance(count, int) or count < 0 or status not in (429, 500, 503):
        return {"message": "count >= 0 and status 429, 500 or 503"}, 400
    with db.unit_of_work() as s:
        set_twilio_fault(s, count, status)
        s.commit()
    return {"count": count, "status": status}
