"""Settings from the environment only (12-factor).

Without LINE credentials the app runs in sandbox mode: outbound LINE calls go
to the local stand-in at /sandbox/line-api, a development encryption key is
made under instance/, and the resident simulator is served at /sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.city import PROJECT_ROOT
from models.crypto import Keyring

LINE_API_DEFAULT = "https://api.line.me"
INSTANCE_DIR = PROJECT_ROOT / "instance"
SANDBOX_CHANNEL_SECRET = "sandbox-channel-secret"  # noqa: S105 - public by design
SANDBOX_ACCESS_TOKEN = "sandbox-access-token"  # noqa: S105
# Twilio: without TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN the phone line runs in
# sandbox mode; the simulator signs its requests with this public token and
# outbound SMS go to the stand-in at $PUBLIC_BASE_URL/sandbox/twilio-api.
TWILIO_API_DEFAULT = "https://api.twilio.com"
SANDBOX_TWILIO_ACCOUNT_SID = "AC" + "0" * 32
SANDBOX_TWILIO_AUTH_TOKEN = "sandbox-twilio-auth-token"  # noqa: S105 - public by design
SANDBOX_TWILIO_FROM = "+81500000000"
# Amazon Polly's Japanese standard voice; SSML <prosody rate> works with Polly
# and Google voices on Twilio (percent of normal speed, Polly accepts 20-200%).
TWILIO_VOICE_DEFAULT = "Polly.Mizuki"
TWILIO_VOICE_RATE_DEFAULT = "90%"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass
class Settings:
    database_url: str
    line_channel_secret: str
    line_channel_access_token: str
    line_api_base_url: str
    public_base_url: str
    data_encryption_key: str
    sandbox: bool
    secret_key: str
    scheduler: str = "off"  # off | inprocess
    staff_api_tokens: str = ""
    # Threads per process that make the LINE calls of answers (bot/pipeline.py).
    event_workers: int = 8
    batch_linger_ms: int = 20  # under load, a batch waits this long to fill (issue 16)
    # Database connections per process (docs/performance.md).
    db_pool_size: int = 10
    db_max_overflow: int = 5
    # PostgreSQL, per web request transaction (bot/db_guard.py); 0 = no limit.
    db_lock_timeout_ms: int = 1000
    db_statement_timeout_ms: int = 5000
    trusted_proxies: int = 0  # proxies in front that set X-Forwarded-For (client address)
    twilio_account_sid: str = SANDBOX_TWILIO_ACCOUNT_SID
    twilio_auth_token: str = SANDBOX_TWILIO_AUTH_TOKEN
    twilio_from_number: str = SANDBOX_TWILIO_FROM
    # Empty in sandbox mode: resolved from PUBLIC_BASE_URL when sending.
    twilio_api_base_url: str = TWILIO_API_DEFAULT
    twilio_voice: str = TWILIO_VOICE_DEFAULT
    twilio_voice_rate: str = TWILIO_VOICE_RATE_DEFAULT
    twilio_sandbox: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def as_flask_config(self) -> dict[str, Any]:
        return {
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "LINE_CHANNEL_SECRET": self.line_channel_secret,
            "LINE_CHANNEL_ACCESS_TOKEN": self.line_channel_access_token,
            "LINE_API_BASE_URL": self.line_api_base_url.rstrip("/"),
            "PUBLIC_BASE_URL": self.public_base_url.rstrip("/"),
            "SANDBOX": self.sandbox,
            "SCHEDULER": self.scheduler,
            "STAFF_API_TOKENS": self.staff_api_tokens,
            "EVENT_WORKERS": self.event_workers,
            "BATCH_LINGER_MS": self.batch_linger_ms,
            "DB_LOCK_TIMEOUT_MS": self.db_lock_timeout_ms,
            "DB_STATEMENT_TIMEOUT_MS": self.db_statement_timeout_ms,
            "TRUSTED_PROXIES": self.trusted_proxies,
            "MAX_CONTENT_LENGTH": 1024 * 1024,  # LINE bodies are small; refuse floods
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "TWILIO_FROM_NUMBER": self.twilio_from_number,
            "TWILIO_API_BASE_URL": self.twilio_api_base_url.rstrip("/"),
            "TWILIO_VOICE": self.twilio_voice,
            "TWILIO_VOICE_RATE": self.twilio_voice_rate,
            "TWILIO_SANDBOX": self.twilio_sandbox,
            **self.extra,
        }


def _dev_key(path: Path) -> str:
    """A development encryption key kept in instance/ (sandbox only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path.read_text().strip()
    key = Keyring.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    secret = env.get("LINE_CHANNEL_SECRET", "").strip()
    token = env.get("LINE_CHANNEL_ACCESS_TOKEN", "").strip()
    if bool(secret) != bool(token):
        raise ConfigError(
            "set both LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN, or neither (sandbox mode)"
        )
    sandbox = not secret
    port = env.get("PORT", "5000")
    public = env.get("PUBLIC_BASE_URL", "").strip() or f"http://127.0.0.1:{port}"
    key = env.get("DATA_ENCRYPTION_KEY", "").strip()
    if not key:
        if not sandbox:
            raise ConfigError(
                "DATA_ENCRYPTION_KEY is required outside sandbox mode; make one with "
                "`flask --app bot keys generate`"
            )
        key = _dev_key(INSTANCE_DIR / "dev-encryption.key")
    secret_key = env.get("SECRET_KEY", "").strip()
    if not secret_key:
        if not sandbox:
            raise ConfigError("SECRET_KEY is required outside sandbox mode")
        secret_key = "sandbox-" + key[:16]
    default_db = f"sqlite:///{INSTANCE_DIR / 'myna-desk.sqlite'}"
    return Settings(
        database_url=env.get("DATABASE_URL", "").strip() or default_db,
        line_channel_secret=secret or SANDBOX_CHANNEL_SECRET,
        line_channel_access_token=token or SANDBOX_ACCESS_TOKEN,
        line_api_base_url=env.get("LINE_API_BASE_URL", "").strip()
        or (f"{public.rstrip('/')}/sandbox/line-api" if sandbox else LINE_API_DEFAULT),
        public_base_url=public,
        data_encryption_key=key,
        sandbox=sandbox,
        secret_key=secret_key,
        scheduler=env.get("SCHEDULER", "off").strip() or "off",
        staff_api_tokens=env.get("STAFF_API_TOKENS", "").strip(),
        event_workers=_whole(env, "EVENT_WORKERS", 8, most=64, what="a whole number from 0 to 64"),
        batch_linger_ms=_whole(
            env, "BATCH_LINGER_MS", 20, most=1000, what="a whole number of milliseconds, 0 to 1000"
        ),
        db_pool_size=_whole(env, "DB_POOL_SIZE", 10, most=200, what="a whole number from 0 to 200"),
        db_max_overflow=_whole(
            env, "DB_MAX_OVERFLOW", 5, most=200, what="a whole number from 0 to 200"
        ),
        db_lock_timeout_ms=_whole(env, "DB_LOCK_TIMEOUT_MS", 1000, what=MILLISECONDS),
        db_statement_timeout_ms=_whole(env, "DB_STATEMENT_TIMEOUT_MS", 5000, what=MILLISECONDS),
        trusted_proxies=_whole(
            env, "TRUSTED_PROXIES", 0, most=10, what="a whole number from 0 to 10"
        ),
        **_twilio_settings(env),
        extra=_smtp_settings(env),
    )


MILLISECONDS = "a whole number of milliseconds (0 = no limit)"


def _whole(
    env: Mapping[str, str], name: str, default: int, most: int | None = None, what: str = ""
) -> int:
    """A whole number of ASCII digits (``most`` at most); the error says ``what`` it is."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or (most is not None and int(raw) > most):
        raise ConfigError(f"{name} must be {what or 'a whole number'}")
    return int(raw)


def _twilio_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """TWILIO_* settings; no credentials means the phone line's sandbox mode."""
    sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
    token = env.get("TWILIO_AUTH_TOKEN", "").strip()
    if bool(sid) != bool(token):
        raise ConfigError("set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither (sandbox)")
    sandbox = not sid
    from_number = env.get("TWILIO_FROM_NUMBER", "").strip()
    if not sandbox and not from_number:
        raise ConfigError("TWILIO_FROM_NUMBER (E.164, e.g. +8183...) is required with Twilio")
    return {
        "twilio_account_sid": sid or SANDBOX_TWILIO_ACCOUNT_SID,
        "twilio_auth_token": token or SANDBOX_TWILIO_AUTH_TOKEN,
        "twilio_from_number": from_number or SANDBOX_TWILIO_FROM,
        "twilio_api_base_url": env.get("TWILIO_API_BASE_URL", "").strip()
        or ("" if sandbox else TWILIO_API_DEFAULT),
        "twilio_voice": env.get("TWILIO_VOICE", "").strip() or TWILIO_VOICE_DEFAULT,
        "twilio_voice_rate": env.get("TWILIO_VOICE_RATE", "").strip() or TWILIO_VOICE_RATE_DEFAULT,
        "twilio_sandbox": sandbox,
    }


SMTP_SECURITY = ("starttls", "ssl", "none")


def _smtp_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """SMTP_* settings for e-mail notices to the city (``bot/email.py``); without
    SMTP_HOST, sandbox mode records them in the stand-in and production sends none."""
    host = env.get("SMTP_HOST", "").strip()
    if not host:
        return {"SMTP_HOST": ""}
    sender = env.get("SMTP_FROM", "").strip()
    if not sender:
        raise ConfigError("SMTP_FROM (the sender address) is required with SMTP_HOST")
    security = env.get("SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in SMTP_SECURITY:
        raise ConfigError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}")
    port = env.get("SMTP_PORT", "").strip() or ("465" if security == "ssl" else "587")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError("SMTP_PORT must be a port number")
    user = env.get("SMTP_USERNAME", "").strip()
    password = env.get("SMTP_PASSWORD", "")
    if bool(user) != bool(password):
        raise ConfigError("set both SMTP_USERNAME and SMTP_PASSWORD, or neither")
    return {"SMTP_HOST": host, "SMTP_PORT": int(port), "SMTP_SECURITY": security,
            "SMTP_USERNAME": user, "SMTP_PASSWORD": password, "SMTP_FROM": sender}  # fmt: skip
