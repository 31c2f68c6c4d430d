"""Reply tokens that carry their own issue time, so the stand-in can expire them.

A token is 32 lowercase hex characters (the shape of LINE's tokens): 6 bytes of
the webhook's send time in milliseconds, 1 byte naming the phase, 3 bytes of
the event's number in it, and 6 bytes of an HMAC over these with a per-run key. The stand-in needs no table of
issued tokens: it checks the HMAC, the age and that the token was not used.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time


def new_key() -> str:
    return os.urandom(16).hex()


def issue(key: str, phase: int, number: int, sent_ms: int | None = None) -> str:
    sent = int(time.time() * 1000) if sent_ms is None else sent_ms
    head = sent.to_bytes(6, "big") + phase.to_bytes(1, "big") + number.to_bytes(3, "big")
    mac = hmac.new(bytes.fromhex(key), head, hashlib.sha256).digest()[:6]
    return (head + mac).hex()


def decode(key: str, token: str) -> tuple[int, int, int] | None:
    """(sent_ms, phase, number) of a genuine token, else None."""
    try:
        raw = bytes.fromhex(token)
    except (TypeError, ValueError):
        return None
    if len(raw) != 16:
        return None
    head, mac = raw[:10], raw[10:]
    expected = hmac.new(bytes.fromhex(key), head, hashlib.sha256).digest()[:6]
    if not hmac.compare_digest(mac, expected):
        return None
    return int.from_bytes(head[:6], "big"), head[6], int.from_bytes(head[7:], "big")
