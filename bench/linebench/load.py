"""Signed LINE webhook traffic for bench/webhook.py, and what the stand-in saw of it.

Each event is a unique text message from its own user (so "answered once" is
"one accepted reply or push for that user"), with a unique webhookEventId and
a reply token issued at the moment the webhook is sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from linebench import tokens

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def read_messages(path: Path) -> list[str]:
    """One message a line (``#`` lines are comments), or the ``text`` of each JSON line."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.append(str(json.loads(line)["text"]) if line.startswith("{") else line)
    return out


MESSAGES = read_messages(Path(__file__).parent / "messages.txt")


def _ulid(n: int, salt: bytes) -> str:
    raw = int.from_bytes(hashlib.sha256(salt + n.to_bytes(8, "big")).digest()[:17], "big")
    return "".join(CROCKFORD[(raw >> (5 * i)) & 31] for i in range(26))


@dataclass
class Traffic:
    """One batch of events (a phase): who sends what, and what happened."""

    secret: str
    token_key: str
    count: int
    phase: int
    kind: str = "text"  # or "follow": the same users becoming friends first
    messages: list[str] = field(default_factory=lambda: MESSAGES)
    user_salt: bytes = field(default_factory=lambda: os.urandom(8))
    salt: bytes = field(default_factory=lambda: os.urandom(8))
    sent: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sent = [0.0] * self.count
        self.done = [0.0] * self.count
        self.status = [0] * self.count
        self.users = ["U" + hashlib.sha256(self.user_salt + b"u%d" % i).hexdigest()[:32]
                      for i in range(self.count)]  # fmt: skip
        self.number_of_user = {u: i for i, u in enumerate(self.users)}

    def body(self, n: int) -> tuple[bytes, str, float]:
        now = time.time()
        ms = int(now * 1000)
        if self.kind == "follow":
            event = {"type": "follow", "follow": {"isUnblocked": False}}
        else:
            event = {
                "type": "message",
                "message": {"type": "text", "id": str(500000000000000 + n),
                            "quoteToken": base64.urlsafe_b64encode(os.urandom(24)).decode(),
                            "text": self.messages[n % len(self.messages)]},
            }  # fmt: skip
        event.update({
            "webhookEventId": _ulid(n, self.salt),
            "deliveryContext": {"isRedelivery": False},
            "timestamp": ms,
            "source": {"type": "user", "userId": self.users[n]},
            "replyToken": tokens.issue(self.token_key, self.phase, n, ms),
            "mode": "active",
        })  # fmt: skip
        body = json.dumps(
            {"destination": "U" + "0" * 32, "events": [event]}, ensure_ascii=False
        ).encode()
        return body, sign(self.secret, body), now


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


async def _post(session, urls, traffic: Traffic, n: int, bodies=None) -> None:
    body, signature, now = bodies[n] if bodies else traffic.body(n)
    traffic.sent[n] = now
    headers = {"X-Line-Signature": signature, "Content-Type": "application/json"}
    statuses = []
    for url in urls:  # several urls: the same body to each instance at once
        statuses.append(session.post(url, data=body, headers=headers))
    results = await asyncio.gather(*(_status(r) for r in statuses))
    traffic.done[n] = time.time()
    traffic.status[n] = max(results)


async def _status(request) -> int:
    try:
        async with request as resp:
            await resp.read()
            return resp.status
    except (TimeoutError, aiohttp.ClientError):
        return 599


def closed_loop(urls: list[str], traffic: Traffic, concurrency: int) -> None:
    """``concurrency`` senders, each posting the next event as soon as its last is answered."""

    async def run() -> None:
        timeout = aiohttp.ClientTimeout(total=30)
        connector = aiohttp.TCPConnector(limit=concurrency * len(urls))
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            queue = iter(range(traffic.count))

            async def sender() -> None:
                for n in queue:
                    await _post(session, urls, traffic, n)

            await asyncio.gather(*(sender() for _ in range(concurrency)))

    asyncio.run(run())


def paced(urls: list[str], traffic: Traffic, rate: float, max_in_flight: int = 512) -> None:
    """Open loop: event ``n`` is sent at ``n / rate`` seconds, whatever the server does."""

    async def run() -> None:
        timeout = aiohttp.ClientTimeout(total=30)
        connector = aiohttp.TCPConnector(limit=max_in_flight)
        gate = asyncio.Semaphore(max_in_flight)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            start = time.monotonic()
            tasks = []

            async def one(n: int) -> None:
                async with gate:
                    await _post(session, urls, traffic, n)

            for n in range(traffic.count):
                delay = start + n / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.ensure_future(one(n)))
            await asyncio.gather(*tasks)

    asyncio.run(run())
