"""How fast the clock drains a backlog of events a dead worker left received.

Records ``--events`` text events from ``--users`` residents a minute in the
past (as a killed worker leaves them), makes every ``--poison``-th one
unprocessable (a reply token that is an object, a payload that cannot be
decrypted, a user id that is a list), then runs the clock's recovery job
(``process_stale_events``) back to back, as the clock does while a backlog
lasts, until nothing is left. Replies go to the LINE stand-in over loopback
HTTP. Counts every answer in the stand-in's record: each good event must be
answered exactly once, every event must end done or failed.

    .venv/bin/python bench/recovery.py --events 3000 [--write]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/recovery.py

On PostgreSQL the bench works in a private schema it drops afterwards.
``--write`` replaces the results block in docs/architecture.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- bench:recovery -->", "<!-- /bench:recovery -->"


@contextmanager
def database(url: str | None):
    if not url:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite"
        return
    if not url.startswith("postgres"):
        yield url
        return
    from sqlalchemy import text

    from models.db import make_engine

    schema = "bench_" + uuid.uuid4().hex[:12]
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        sep = "&" if "?" in url else "?"
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        from models.db import db

        if db.engine is not None:
            db.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def build(database_url: str):
    import models  # noqa: F401
    from bot import create_app
    from models.base import Base
    from models.crypto import Keyring
    from models.db import make_engine

    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "DATA_ENCRYPTION_KEY": Keyring.generate(),
            "LINE_CHANNEL_SECRET": "",
            "LINE_CHANNEL_ACCESS_TOKEN": "",
            "SCHEDULER": "off",
            "TESTING": True,
        }
    )
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["LINE_API_BASE_URL"] = f"http://127.0.0.1:{server.server_port}/sandbox/line-api"
    return app, server


def left_behind(n: int, users: int, poison_every: int) -> tuple[list[int], set[int]]:
    from sqlalchemy import text, update

    from bot.line.events import record_row
    from models.base import utcnow
    from models.db import db
    from models.inbound import InboundEvent, record_events
    from models.sandbox import issue_reply_token

    rows = []
    with db.unit_of_work() as s:  # tokens the stand-in knows: a minute has not passed
        tokens = [issue_reply_token(s, f"U{k % users:032x}") for k in range(n)]
        s.commit()
    for k in range(n):
        rows.append(
            record_row(
                {
                    "type": "message",
                    "mode": "active",
                    "timestamp": int(time.time() * 1000),
                    "replyToken": tokens[k],
                    "source": {"type": "user", "userId": f"U{k % users:032x}"},
                    "webhookEventId": f"01BENCH{k:019d}",
                    "message": {"type": "text", "id": str(k), "text": "メニュー"},
                }
            )
        )
    with db.unit_of_work() as s:
        ids = record_events(s, rows)
        s.execute(update(InboundEvent).values(received_at=utcnow() - timedelta(minutes=1)))
        s.commit()
    poison = set(ids[poison_every // 2 :: poison_every]) if poison_every else set()
    with db.unit_of_work() as s:
        for k, event_id in enumerate(sorted(poison)):
            if k % 3 == 2:
                s.execute(
                    text("UPDATE inbound_events SET payload = 'garbage' WHERE id = :id"),
                    {"id": event_id},
                )
                continue
            row = s.get(InboundEvent, event_id)
            bad = {"replyToken": {"an": "object"}} if k % 3 == 0 else {"userId": ["a", "list"]}
            row.payload = {**row.payload, **bad}
        s.commit()
    return ids, poison


def run(n: int, users: int, poison_every: int, url: str) -> dict[str, float]:
    from sqlalchemy import func, select

    from models.db import db
    from models.inbound import InboundEvent
    from models.sandbox import SandboxLineRequest
    from scheduler.jobs import process_stale_events

    app, server = build(url)
    try:
        ids, poison = left_behind(n, users, poison_every)
        start = time.monotonic()
        runs = 0
        while True:
            runs += 1
            process_stale_events(app)
            with db.reader() as s:
                left = s.scalar(
                    select(func.count())
                    .select_from(InboundEvent)
                    .where(InboundEvent.status == "received")
                )
            if not left:
                break
        seconds = time.monotonic() - start
        with db.reader() as s:
            status = dict(
                s.execute(
                    select(InboundEvent.status, func.count()).group_by(InboundEvent.status)
                ).all()
            )
            answered = s.scalar(
                select(func.count())
                .select_from(SandboxLineRequest)
                .where(SandboxLineRequest.status == 200)
            )
    finally:
        server.shutdown()
        app.extensions["event_processor"].shutdown()
    return {
        "n": len(ids),
        "poison": len(poison),
        "seconds": seconds,
        "runs": runs,
        "done": status.get("done", 0),
        "failed": status.get("failed", 0),
        "answered": answered,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--poison", type=int, default=100, help="every n-th event is poison")
    parser.add_argument("--write", action="store_true", help="update docs/architecture.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with database(os.environ.get("DATABASE_URL")) as url:
        r = run(args.events, args.users, args.poison, url)
    backend = url.split(":", 1)[0].split("+")[0]
    line = (
        f"{r['n']} events left received ({r['poison']} poison), {backend}, "
        f"{os.cpu_count()} CPUs: drained in {r['seconds']:.1f} s "
        f"({r['n'] / r['seconds']:.0f} events/s, {r['runs']} runs of the job); "
        f"{r['done']} done, {r['failed']} failed, {r['answered']} answers accepted by the stand-in"
    )
    print(line)
    # A reply token that is an object is answered by push; the other poison cannot be.
    ok = r["done"] + r["failed"] == r["n"] and r["answered"] == r["done"]
    if not ok:
        sys.exit("FAILED: " + line)
    if args.write:
        from doc_block import write_block  # bench/ is on the path of a bench script

        write_block(DOC, BEGIN, END, line)


if __name__ == "__main__":
    main()
