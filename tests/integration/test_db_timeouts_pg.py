"""PostgreSQL time limits: a stuck lock answers a webhook 503 in about a second, and
the redelivered body is then processed once; background work waits longer."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, text

from models.db import db, make_engine
from models.inbound import InboundEvent
from models.outbox import OutboxMessage
from tests.conftest import _fresh_database, build_app
from tests.line_helpers import body_of, event, post


@pytest.fixture
def pg_app(pg_url):
    _fresh_database(pg_url)
    app = build_app(pg_url)
    yield app
    app.extensions["event_processor"].shutdown()


def setting(name: str) -> str:
    with db.unit_of_work() as s:
        return s.execute(text(f"SHOW {name}")).scalar()


def stuck_lock(pg_url: str, table: str):
    """A connection holding an exclusive lock on ``table`` (the server drops it after 8 s,
    so that without time limits the test fails instead of hanging)."""
    holder = make_engine(pg_url).connect()
    holder.execute(text("SET idle_in_transaction_session_timeout = '8s'"))
    holder.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
    return holder


def release(holder) -> None:
    try:
        holder.rollback()
    finally:
        holder.close()


def test_request_transactions_have_tight_limits_and_background_work_looser_ones(pg_app):
    with pg_app.test_request_context("/line/webhook"):
        assert (setting("lock_timeout"), setting("statement_timeout")) == ("1s", "5s")
    assert (setting("lock_timeout"), setting("statement_timeout")) == ("10s", "0")


def test_a_webhook_behind_a_stuck_lock_answers_503_quickly_and_loses_nothing(
    pg_app, pg_url, new_user_id
):
    client = pg_app.test_client()
    body = body_of(event("text", new_user_id, text="メニュー", event_id="01STUCKLOCK0001"))
    holder = stuck_lock(pg_url, "inbound_events")
    try:
        started = time.monotonic()
        resp = post(client, body)
        elapsed = time.monotonic() - started
    finally:
        release(holder)
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "1"
    assert elapsed < 2.0  # within LINE's window, not the 44 s a stuck lock used to cost
    # Nothing was recorded, so nothing is lost: LINE sends the body again (redelivery on).
    assert post(client, body).status_code == 200
    pg_app.extensions["event_processor"].drain()
    with db.reader() as s:
        assert s.scalars(select(InboundEvent.status)).all() == ["done"]
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_staff_api_request_behind_a_stuck_lock_answers_503_not_500(pg_app, pg_url):
    from tests.api_helpers import bearer, token

    auth = bearer(token("read_schedule"))
    holder = stuck_lock(pg_url, "bookings")
    try:
        resp = pg_app.test_client().get("/api/v1/bookings", headers=auth)
    finally:
        release(holder)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "1"
