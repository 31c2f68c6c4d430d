"""Recovery on PostgreSQL: two clocks never double the work, a held row never blocks."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select, text, update
from werkzeug.serving import make_server

from bot.line.events import record_row
from bot.recovery import Recovery
from models.base import utcnow
from models.db import db, make_engine
from models.inbound import InboundEvent, record_events
from models.outbox import OutboxMessage
from tests.conftest import _fresh_database, build_app
from tests.line_helpers import event


def serve(pg_url):
    _fresh_database(pg_url)
    app = build_app(pg_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["LINE_API_BASE_URL"] = f"http://127.0.0.1:{server.server_port}/sandbox/line-api"
    return app, server


def backlog(n: int, users: int = 20) -> list[int]:
    rows = [record_row(event("text", f"U{k % users:032x}", text="メニュー")) for k in range(n)]
    with db.unit_of_work() as s:
        ids = record_events(s, rows)
        s.execute(update(InboundEvent).values(received_at=utcnow() - timedelta(minutes=1)))
        s.commit()
    return ids


def counts() -> tuple[dict[str, int], int]:
    with db.reader() as s:
        by_status = dict(
            s.execute(select(InboundEvent.status, func.count()).group_by(InboundEvent.status)).all()
        )
        return by_status, s.scalar(select(func.count()).select_from(OutboxMessage))


def test_two_clocks_recovering_at_once_answer_each_event_exactly_once(pg_url):
    app, server = serve(pg_url)
    try:
        ids = backlog(200)
        # Two Recovery objects stand for two processes: they share nothing in memory.
        clocks = [Recovery(app.extensions["delivery"], threads=3) for _ in range(2)]
        runs = [threading.Thread(target=c.run, args=(60.0,)) for c in clocks]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        assert counts() == ({"done": len(ids)}, len(ids))
    finally:
        server.shutdown()
        app.extensions["event_processor"].shutdown()


def test_recovery_goes_around_an_event_another_worker_holds(pg_url):
    app, server = serve(pg_url)
    holder = make_engine(pg_url).connect()
    try:
        ids = backlog(20)
        holder.execute(
            text("SELECT id FROM inbound_events WHERE id = :id FOR UPDATE"), {"id": ids[0]}
        )
        recovery = Recovery(app.extensions["delivery"], threads=2)
        assert recovery.run(10.0) == len(ids) - 1  # it never waited for the held row
        assert counts() == ({"done": len(ids) - 1, "received": 1}, len(ids) - 1)
        holder.rollback()  # the other worker died: its transaction is gone
        assert recovery.run(10.0) == 1
        assert counts() == ({"done": len(ids)}, len(ids))
    finally:
        holder.close()
        server.shutdown()
        app.extensions["event_processor"].shutdown()
