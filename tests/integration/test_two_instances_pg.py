"""Two app instances on one PostgreSQL database get every event at the same moment
(as behind a load balancer that retried, or LINE redelivering to another
instance): each event is processed and answered exactly once.

The two instances share this process's engine but each has its own recorder
(group commit) and pipeline (batches), and every request runs on its own
connection and transaction. bench/webhook.py does the same with two gunicorn
servers (``--two-instances``).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

from sqlalchemy import select

from models.db import db
from models.inbound import InboundEvent
from models.outbox import OutboxMessage
from tests.conftest import _fresh_database, build_app
from tests.line_helpers import body_of, event, sign

EVENTS = 60


def test_the_same_events_sent_to_two_instances_are_answered_once_each(pg_url):
    _fresh_database(pg_url)
    instances = [build_app(pg_url), build_app(pg_url)]
    users = ["U" + uuid.uuid4().hex for _ in range(EVENTS)]
    bodies = [body_of(event("text", u, text="会場はどこですか", event_id=f"EV{n:04d}"))
              for n, u in enumerate(users)]  # fmt: skip
    statuses: list[int] = []

    def deliver(app, body: bytes, barrier: threading.Barrier) -> None:
        client = app.test_client()
        headers = {"X-Line-Signature": sign(body), "Content-Type": "application/json"}
        barrier.wait()
        statuses.append(client.post("/line/webhook", data=body, headers=headers).status_code)

    threads = []
    for body in bodies:
        barrier = threading.Barrier(2)
        threads += [threading.Thread(target=deliver, args=(app, body, barrier)) for app in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * (2 * EVENTS)
    for app in instances:
        assert app.extensions["event_processor"].drain(60)
    with db.reader() as s:
        events = s.scalars(select(InboundEvent.status)).all()
        answered = Counter(s.scalars(select(OutboxMessage.recipient)).all())
    assert len(events) == EVENTS and set(events) == {"done"}
    assert answered == Counter(users)  # one answer per event, none twice
    for app in instances:
        app.extensions["event_processor"].shutdown()
