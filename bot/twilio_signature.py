"""X-Twilio-Signature, checked with twilio's RequestValidator.

The URL signed is the one Twilio called: ``PUBLIC_BASE_URL`` + path + query,
so the check works behind a proxy that rewrites the host or scheme.
``sign`` computes the header the same way (sandbox simulator, tests).
"""

from __future__ import annotations

import logging

from flask import Request, current_app
from twilio.request_validator import RequestValidator, get_signature_algorithm

log = logging.getLogger(__name__)


def public_url(request: Request) -> str:
    query = request.query_string.decode("latin-1")
    return current_app.config["PUBLIC_BASE_URL"] + request.path + (f"?{query}" if query else "")


def verified(request: Request) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    # Legacy HMAC-SHA1 unless Twilio names another algorithm in this header.
    algorithm = get_signature_algorithm(
        request.headers.get("X-Twilio-Webhooks-Signature-Settings", "")
    )
    ok = bool(signature) and validator.validate(
        public_url(request), request.form, signature, algorithm
    )
    if not ok:
        log.warning("twilio %s: rejected, bad or missing signature", request.path)
    return ok


def sign(token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(token).compute_signature(url, params)
