"""The two reference servers of bench/webhook.py, served by gunicorn like the project.

* ``signature_only()``: a Flask app that checks ``X-Line-Signature`` and answers
  200; the stack's limit (gunicorn + Flask + one HMAC), nothing else.
* ``echo_bot()``: a minimal echo bot written as line-bot-sdk v3's documented
  example (examples/flask-echo/app.py): ``WebhookParser.parse``, then for each
  text message ``MessagingApi.reply_message_with_http_info`` inside
  ``with ApiClient(configuration)``, within the webhook request.

Settings come from LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN and
LINE_API_BASE_URL (the stand-in).
"""

from __future__ import annotations

import os

from flask import Flask, abort, request


def _health(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", lambda: "ok")


def signature_only() -> Flask:
    from linebot.v3.webhook import SignatureValidator

    app = Flask("signature_only")
    validator = SignatureValidator(os.environ["LINE_CHANNEL_SECRET"])
    _health(app)

    @app.post("/line/webhook")
    def webhook():
        signature = request.headers.get("X-Line-Signature", "")
        body = request.get_data(as_text=True)
        if not validator.validate(body, signature):
            abort(400)
        return "OK"

    return app


def echo_bot() -> Flask:
    from linebot.v3.exceptions import InvalidSignatureError
    from linebot.v3.messaging import (
        ApiClient,
        Configuration,
        MessagingApi,
        ReplyMessageRequest,
        TextMessage,
    )
    from linebot.v3.webhook import WebhookParser
    from linebot.v3.webhooks import MessageEvent, TextMessageContent

    app = Flask("echo_bot")
    parser = WebhookParser(os.environ["LINE_CHANNEL_SECRET"])
    configuration = Configuration(
        host=os.environ["LINE_API_BASE_URL"], access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"]
    )
    _health(app)

    @app.post("/line/webhook")
    def webhook():
        signature = request.headers["X-Line-Signature"]
        body = request.get_data(as_text=True)
        try:
            events = parser.parse(body, signature)
        except InvalidSignatureError:
            abort(400)
        for event in events:
            if not isinstance(event, MessageEvent):
                continue
            if not isinstance(event.message, TextMessageContent):
                continue
            with ApiClient(configuration) as api_client:
                line_bot_api = MessagingApi(api_client)
                line_bot_api.reply_message_with_http_info(
                    ReplyMessageRequest(
                        reply_token=event.reply_token,
                        messages=[TextMessage(text=event.message.text)],
                    )
                )
        return "OK"

    return app
