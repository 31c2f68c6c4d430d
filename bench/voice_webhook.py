"""p50/p99 response time of POST /twilio/voice/gather (the phone line's hot path).

Each sample is one signed Gather answer processed inline: signature check,
record the event, map the key through the stored keypad, dispatch, render
TwiML, store it for replay, commit. Calls alternate between opening a flow
(key 2: the area list) and going back to the menu (*), so every request does
real work. Runs in-process through a loopback HTTP server (werkzeug, threaded)
or the Flask test client, on SQLite by default (DATABASE_URL to override).

    .venv/bin/python bench/voice_webhook.py --requests 2000 [--client test] [--write]

``--write`` replaces the results block in docs/phone.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from twilio.request_validator import RequestValidator  # noqa: E402

DOC = ROOT / "docs" / "phone.md"
BEGIN, END = "<!-- bench:voice_webhook -->", "<!-- /bench:voice_webhook -->"


def build(database_url: str):
    import models  # noqa: F401
    import models.phone  # noqa: F401
    import models.sandbox_twilio  # noqa: F401
    from bot import create_app
    from models.base import Base
    from models.crypto import Keyring
    from models.db import make_engine

    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return create_app(
        {
            "DATABASE_URL": database_url,
            "DATA_ENCRYPTION_KEY": Keyring.generate(),
            "LINE_CHANNEL_SECRET": "",
            "LINE_CHANNEL_ACCESS_TOKEN": "",
            "SCHEDULER": "off",
            "TESTING": True,
        }
    )


class Poster:
    def __init__(self, app, mode: str) -> None:
        self.app, self.mode = app, mode
        self.token = app.config["TWILIO_AUTH_TOKEN"]
        if mode == "http":
            from werkzeug.serving import make_server

            self.server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=self.server.serve_forever, daemon=True).start()
            app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{self.server.server_port}"
        self.client = app.test_client()

    def post(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        url = self.app.config["PUBLIC_BASE_URL"] + path
        sig = RequestValidator(self.token).compute_signature(url, params)
        if self.mode == "test":
            resp = self.client.post(path, data=params, headers={"X-Twilio-Signature": sig})
            return resp.status_code, resp.get_data(as_text=True)
        req = urllib.request.Request(
            url, data=urllib.parse.urlencode(params).encode(), method="POST",
            headers={"X-Twilio-Signature": sig,
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
            return resp.status, resp.read().decode()

    def close(self) -> None:
        if self.mode == "http":
            self.server.shutdown()


def run(n: int, mode: str, database_url: str) -> dict[str, float]:
    import xml.etree.ElementTree as ET

    app = build(database_url)
    poster = Poster(app, mode)
    timings: list[float] = []
    calls = 0
    try:
        while len(timings) < n:
            sid = "CA" + uuid.uuid4().hex
            base = {"CallSid": sid, "From": f"+8190{calls:08d}", "To": "+81500000000"}
            calls += 1
            status, body = poster.post("/twilio/voice", base)
            assert status == 200, body
            for key in ("2", "*") * 10:
                action = ET.fromstring(body).find("Gather").get("action")
                start = time.perf_counter()
                status, body = poster.post(action, {**base, "Digits": key})
                timings.append((time.perf_counter() - start) * 1000)
                assert status == 200, body
                if len(timings) >= n:
                    break
    finally:
        poster.close()
    timings.sort()
    return {
        "n": len(timings),
        "p50": statistics.median(timings),
        "p90": timings[int(len(timings) * 0.90) - 1],
        "p99": timings[int(len(timings) * 0.99) - 1],
        "max": timings[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--client", choices=("http", "test"), default="http")
    parser.add_argument("--write", action="store_true", help="update docs/phone.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
        result = run(args.requests, args.client, url)
    backend = url.split(":", 1)[0]
    line = (
        f"POST /twilio/voice/gather, {result['n']} requests, {args.client} client, {backend}, "
        f"{os.cpu_count()} CPUs: p50 {result['p50']:.1f} ms, p90 {result['p90']:.1f} ms, "
        f"p99 {result['p99']:.1f} ms, max {result['max']:.1f} ms (target p99 < 100 ms)"
    )
    print(line)
    if args.write:
        from doc_block import write_block  # bench/ is on the path of a bench script

        write_block(DOC, BEGIN, END, line)


if __name__ == "__main__":
    main()
