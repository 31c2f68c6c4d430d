"""Outbox sender for e-mail (channel ``email``; registered in ``bot.delivery.Delivery``).

A payload names its templates and context (``handlers.complaints``): the
message is rendered when it is sent, with a link into the console under
``PUBLIC_BASE_URL``. Where it goes:

- ``SMTP_HOST`` set: SMTP (``smtplib``), ``SMTP_PORT`` (587), ``SMTP_SECURITY``
  ``starttls`` (default), ``ssl`` or ``none``, ``SMTP_USERNAME`` /
  ``SMTP_PASSWORD`` (both or neither), ``SMTP_FROM`` (required);
- no ``SMTP_HOST`` in sandbox mode: recorded by the stand-in
  (``models.sandbox_email``), readable at ``/sandbox/emails``;
- no ``SMTP_HOST`` outside sandbox mode: not sent (permanent failure
  ``smtp not configured``); the console alert still reaches the city.

A city notice (``payload["notice_id"]``) gets ``emailed_at`` when the message
has gone out, or the error when it never will.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from bot.line.client import SendResult
from handlers.text import render
from models.base import utcnow
from models.city_notices import mark_email_failed, mark_emailed
from models.db import db
from models.outbox import MAX_ATTEMPTS, OutboxMessage
from models.sandbox_email import record_email

SMTP_TIMEOUT = 15  # seconds; the outbox retries with back-off


def compose(msg: OutboxMessage, config: dict[str, Any]) -> EmailMessage:
    payload = msg.payload or {}
    context = dict(payload.get("context") or {})
    path = payload.get("link_path")
    context["console_url"] = f"{config.get('PUBLIC_BASE_URL', '')}{path}" if path else ""
    template = payload["template"]
    email = EmailMessage()
    email["Subject"] = render(payload.get("subject_template") or f"{template}_subject", **context)
    email["From"] = config.get("SMTP_FROM") or "myna-desk@sandbox.invalid"
    email["To"] = msg.recipient
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=msg.retry_key.replace("-", ""))
    email.set_content(render(template, **context) + "\n")
    return email


def _smtp(email: EmailMessage, config: dict[str, Any]) -> SendResult:
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 587)
    security = config.get("SMTP_SECURITY") or "starttls"
    try:
        if security == "ssl":
            server = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT,
                                      context=ssl.create_default_context())  # fmt: skip
        else:
            server = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with server:
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                server.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            server.send_message(email)
    except smtplib.SMTPResponseException as exc:
        # 5xx: the server refuses for good (bad recipient, auth); 4xx: try again later.
        return SendResult(False, status=exc.smtp_code, error=f"smtp {exc.smtp_code}",
                          permanent=500 <= exc.smtp_code < 600)  # fmt: skip
    except smtplib.SMTPRecipientsRefused:
        return SendResult(False, error="smtp recipients refused", permanent=True)
    except (OSError, smtplib.SMTPException) as exc:
        return SendResult(False, error=type(exc).__name__)
    return SendResult(True)


def _standin(email: EmailMessage) -> SendResult:
    with db.unit_of_work() as s:
        record_email(s, to=str(email["To"]), subject=str(email["Subject"]),
                     body=email.get_content(), message_id=str(email["Message-ID"]),
                     at=utcnow())  # fmt: skip
        s.commit()
    return SendResult(True, status=250)


def email_senders(config: dict[str, Any]) -> dict[str, Callable[[OutboxMessage], SendResult]]:
    def send_email(msg: OutboxMessage) -> SendResult:
        email = compose(msg, config)
        if config.get("SMTP_HOST"):
            result = _smtp(email, config)
        elif config.get("SANDBOX"):
            result = _standin(email)
        else:
            result = SendResult(False, error="smtp not configured", permanent=True)
        notice_id = (msg.payload or {}).get("notice_id")
        if notice_id and (result.ok or result.permanent or msg.attempts >= MAX_ATTEMPTS):
            with db.unit_of_work() as s:
                if result.ok:
                    mark_emailed(s, int(notice_id), utcnow())
                else:
                    mark_email_failed(s, int(notice_id), result.error or "failed")
                s.commit()
        return result

    return {"email": send_email}
