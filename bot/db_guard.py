"""Database time limits for web requests, and 503 when the database is busy or away.

PostgreSQL only. Every transaction begun while serving a request sets
``lock_timeout`` and ``statement_timeout`` for itself (``SET LOCAL``, so the
pooled connection keeps no trace): one stuck lock then costs a request about
a second, not LINE's whole delivery window. Everything else the app's
processes do (event processing threads, the clock's jobs, CLI commands) waits
at most ``BACKGROUND_LOCK_TIMEOUT`` for a lock and has no statement limit;
migrations (alembic) set nothing. The webhook's single-statement INSERT runs on
a small autocommit pool whose sessions carry the request limits.

A request that meets such a timeout, or a database that is away, is answered
503 with ``Retry-After``. For the LINE webhook that is what keeps nothing
lost: the events were not recorded, so LINE must send them again (it does
when webhook redelivery is on in the LINE Developers console); a 200 would
drop them for good.
"""

from __future__ import annotations

import logging

from flask import Flask, has_request_context, jsonify, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from models.db import db

log = logging.getLogger(__name__)

BACKGROUND_LOCK_TIMEOUT_MS = 10_000
RETRY_AFTER_SECONDS = 1
BUSY_MESSAGE = "the service is busy; try again shortly"
BUSY_BODY = b'{"error":"the service is busy; try again shortly"}\n'


def install(app: Flask) -> None:
    app.register_error_handler(OperationalError, _busy)
    app.register_error_handler(PoolTimeout, _busy)
    if db.dialect != "postgresql":
        return  # SQLite: busy_timeout (models/db.py) bounds the wait for its one writer
    lock_ms = int(app.config["DB_LOCK_TIMEOUT_MS"])
    statement_ms = int(app.config["DB_STATEMENT_TIMEOUT_MS"])
    limits = (
        f"SELECT set_config('lock_timeout', '{lock_ms}', true),"
        f" set_config('statement_timeout', '{statement_ms}', true)"
    )

    @event.listens_for(db.engine, "connect")
    def _background(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cur:
            cur.execute(f"SET lock_timeout = {BACKGROUND_LOCK_TIMEOUT_MS}")
        dbapi_connection.commit()

    if db.autocommit_engine is not None:
        # Only the webhook's recording INSERT uses this pool; its statements are their own
        # transactions, so the request limits are set for the session at connect.
        @event.listens_for(db.autocommit_engine, "connect")
        def _single_statement_limits(dbapi_connection, _record) -> None:
            with dbapi_connection.cursor() as cur:
                cur.execute(f"SET lock_timeout = {lock_ms}")
                cur.execute(f"SET statement_timeout = {statement_ms}")
            dbapi_connection.commit()

    @event.listens_for(db.engine, "begin")
    def _request_limits(conn) -> None:
        if has_request_context():
            conn.exec_driver_sql(limits)


def _busy(exc: DBAPIError | PoolTimeout):
    orig = getattr(exc, "orig", None)
    log.warning(
        "%s %s: database busy or away (%s), answered 503",
        request.method,
        request.path,
        type(orig if orig is not None else exc).__name__,
    )
    resp = jsonify({"error": BUSY_MESSAGE})
    resp.status_code = 503
    resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return resp
