"""A LINE Messaging API stand-in for the benchmark: reply and push, nothing else.

Run as ``python standin.py --key HEX --access-token TOKEN [--token-ttl 60]``;
it binds 127.0.0.1 on a free port and prints ``PORT <n>`` on its first line.

* ``POST /v2/bot/message/reply``: the token must be genuine (see tokens.py),
  unused and younger than ``--token-ttl`` seconds after the webhook was sent
  (LINE: use a reply token within one minute of receiving the webhook; a
  token can be used once). Otherwise 400 ``Invalid reply token``, as LINE says.
* ``POST /v2/bot/message/push``: accepted once per ``X-Line-Retry-Key``; the
  same key again is 409, as LINE answers a retry it already accepted.
* ``GET /_bench/records?since=N``: what was received, for the load generator.

Every accepted call is recorded with its arrival time (``time.time()``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import time

from aiohttp import web

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokens  # noqa: E402


class Standin:
    def __init__(self, key: str, access_token: str, ttl: float) -> None:
        self.key, self.auth, self.ttl = key, f"Bearer {access_token}", ttl
        self.used: set[str] = set()
        self.retry_keys: set[str] = set()
        # (kind, arrival, reply token or push recipient, ok, detail)
        self.records: list[tuple[str, float, str, bool, str]] = []
        self.sent_id = 0

    def _sent(self, count: int) -> dict:
        self.sent_id += 1
        return {"sentMessages": [{"id": str(self.sent_id * 10 + i)} for i in range(count)]}

    async def _body(self, request: web.Request) -> dict | None:
        if request.headers.get("Authorization") != self.auth:
            return None
        try:
            body = json.loads(await request.read())
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    async def reply(self, request: web.Request) -> web.Response:
        now = time.time()
        body = await self._body(request)
        if body is None:
            return web.json_response({"message": "Authentication failed"}, status=401)
        token = body.get("replyToken")
        messages = body.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            self.records.append(("bad", now, str(token), False, "messages"))
            return web.json_response({"message": "The request body has 1 error(s)"}, status=400)
        decoded = tokens.decode(self.key, token) if isinstance(token, str) else None
        if decoded is None or token in self.used or now - decoded[0] / 1000 > self.ttl:
            why = "unknown" if decoded is None else ("used" if token in self.used else "expired")
            self.records.append(("refused", now, str(token), False, why))
            return web.json_response({"message": "Invalid reply token"}, status=400)
        self.used.add(token)
        self.records.append(("reply", now, token, True, ""))
        return web.json_response(self._sent(len(messages)))

    async def push(self, request: web.Request) -> web.Response:
        now = time.time()
        body = await self._body(request)
        if body is None:
            return web.json_response({"message": "Authentication failed"}, status=401)
        to, messages = body.get("to"), body.get("messages")
        if not isinstance(to, str) or not isinstance(messages, list) or not messages:
            return web.json_response({"message": "The request body has 1 error(s)"}, status=400)
        retry = request.headers.get("X-Line-Retry-Key")
        if retry and retry in self.retry_keys:
            self.records.append(("push_retry", now, to, False, ""))
            return web.json_response(
                {"message": "The retry key is already accepted", **self._sent(len(messages))},
                status=409,
            )
        if retry:
            self.retry_keys.add(retry)
        self.records.append(("push", now, to, True, ""))
        return web.json_response(self._sent(len(messages)))

    async def records_since(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"records": self.records[since:], "next": len(self.records)})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("--access-token", required=True)
    parser.add_argument("--token-ttl", type=float, default=60.0)
    args = parser.parse_args()
    standin = Standin(args.key, args.access_token, args.token_ttl)
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/v2/bot/message/reply", standin.reply)
    app.router.add_post("/v2/bot/message/push", standin.push)
    app.router.add_get("/_bench/records", standin.records_since)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    web.run_app(app, sock=sock, access_log=None, print=None, handle_signals=True)


if __name__ == "__main__":
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    main()
