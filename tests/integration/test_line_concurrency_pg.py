"""Two workers, one event, same instant: processed exactly once (PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from werkzeug.serving import make_server

from models.db import db
from models.inbound import InboundEvent
from models.outbox import OutboxMessage
from tests.conftest import _fresh_database, build_app
from tests.line_helpers import body_of, event, sign


def test_concurrent_duplicate_deliveries_on_two_workers_are_processed_once(pg_url, new_user_id):
    _fresh_database(pg_url)
    # Two app instances stand for two gunicorn workers. They share this
    # process's engine, but every request runs on its own connection and
    # transaction, which is what the database sees from two workers.
    worker_a = build_app(pg_url)
    worker_b = build_app(pg_url)
    server = make_server("127.0.0.1", 0, worker_b, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    for app in (worker_a, worker_b):
        app.config["LINE_API_BASE_URL"] = base + "/sandbox/line-api"

    rounds = 10
    for n in range(rounds):
        body = body_of(event("text", new_user_id, text="メニュー", event_id=f"EV{n:04d}"))
        headers = {"X-Line-Signature": sign(body), "Content-Type": "application/json"}
        barrier = threading.Barrier(4)
        statuses: list[int] = []

        def deliver(app, body=body, headers=headers, barrier=barrier, statuses=statuses):
            client = app.test_client()
            barrier.wait()
            statuses.append(client.post("/line/webhook", data=body, headers=headers).status_code)

        threads = [threading.Thread(target=deliver, args=(a,)) for a in (worker_a, worker_b) * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200, 200, 200, 200]
    for app in (worker_a, worker_b):
        app.extensions["event_processor"].drain()
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == rounds
        done = s.scalar(
            select(func.count()).select_from(InboundEvent).where(InboundEvent.status == "done")
        )
        assert done == rounds
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == rounds
    server.shutdown()
    for app in (worker_a, worker_b):
        app.extensions["event_processor"].shutdown()
