"""Shared fixtures.

The app runs in sandbox mode against a live loopback server (werkzeug in a
thread), so that the real line-bot-sdk client talks HTTP to the LINE
stand-in exactly as in development. Nothing leaves 127.0.0.1.

Backends: TEST_BACKEND=sqlite (default) or postgres for the whole suite;
tests marked ``postgres`` always use TEST_DATABASE_URL. With CI=true (or
REQUIRE_POSTGRES=1) an unreachable PostgreSQL fails the run instead of
skipping.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from models.crypto import Keyring

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[2] / "shared"
REQUIRE_PG = os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_POSTGRES") == "1"
TEST_KEY = Keyring.generate()


def pg_available() -> bool:
    from models.db import normalize_url

    try:
        engine = create_engine(normalize_url(PG_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


_PG_OK: bool | None = None


def require_pg() -> str:
    global _PG_OK
    if _PG_OK is None:
        _PG_OK = pg_available()
    if not _PG_OK:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL at {PG_URL} is required in CI but unreachable", pytrace=False)
        pytest.skip(f"PostgreSQL at {PG_URL} unreachable")
    return PG_URL


# Fixtures through which a test reaches the backend chosen by TEST_BACKEND.
BACKEND_FIXTURES = {"database_url", "empty_database"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
    if os.environ.get("BACKEND_ONLY") == "1":
        # The second pass of scripts/test: only tests whose outcome can depend on
        # the backend run again; the rest already ran in the SQLite pass.
        keep, drop = [], []
        for item in items:
            used = set(getattr(item, "fixturenames", ()))
            (keep if used & BACKEND_FIXTURES else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = [
        r for r in terminalreporter.stats.get("skipped", []) if "postgres" in r.keywords
    ]
    if skipped and REQUIRE_PG:
        terminalreporter.write_line(
            f"ERROR: {len(skipped)} PostgreSQL-backed tests were skipped in CI", red=True
        )
        config._pg_skipped = True


def pytest_sessionfinish(session, exitstatus):
    if getattr(session.config, "_pg_skipped", False) and exitstatus == 0:
        session.exitstatus = 1


@contextmanager
def private_pg_schema():
    """An empty PostgreSQL schema of its own, as a URL whose search_path is it.

    Every test gets one, so tests (and several developers' runs) sharing the
    server never see each other's tables.
    """
    from models.db import make_engine

    base = require_pg()
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        _close_app_connections(url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def pg_url():
    """An empty private PostgreSQL schema (the test is marked ``postgres``)."""
    with private_pg_schema() as url:
        yield url


def _fresh_database(url: str) -> None:
    """All tables, empty but for what the migrations seed (the contract periods of
    city.yaml), in the database or schema the URL names."""
    from sqlalchemy.orm import Session

    import models  # noqa: F401 - registers tables
    from models.base import Base
    from models.contracts import seed_from_city
    from models.db import make_engine

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed_from_city(session)
        session.commit()
    engine.dispose()


def _close_app_connections(url: str) -> None:
    """Close the pooled connections the test's app left on the schema of ``url``."""
    from models.db import db

    schema = url.rsplit("search_path%3D", 1)[-1]
    for engine in (db.engine, db.autocommit_engine):
        if engine is not None and schema in str(engine.url):
            engine.dispose()


class SqliteTemplate:
    """A fresh SQLite database per test, copied from one built per worker in ``folder``.

    Building the tables takes ~50 ms; copying the file well under 1 ms."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / "template.sqlite"

    def fresh(self, target: Path) -> str:
        if not self._path.exists():
            _fresh_database(f"sqlite:///{self._path}")
        shutil.copyfile(self._path, target)
        return f"sqlite:///{target}"


class PostgresSchemaPool:
    """One private PostgreSQL schema per worker with every table, emptied before each test.

    Creating the 44 tables costs ~0.3 s on PostgreSQL and dropping them ~0.06 s, a
    third of the PostgreSQL pass; deleting the rows, restarting the sequences and
    seeding again takes ~20 ms. The schema is given up for a new one when a test
    changed its tables or columns (a fingerprint of the catalogue differs) or when
    emptying it fails (a lock held by a connection a test leaked: ``lock_timeout``),
    so every test still starts from exactly what ``_fresh_database`` makes.
    """

    FINGERPRINT = text(
        "SELECT md5(string_agg(table_name || '.' || column_name || ':' || data_type, ','"
        " ORDER BY table_name, column_name)) FROM information_schema.columns"
        " WHERE table_schema = current_schema()"
    )
    SEQUENCES = text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")

    def __init__(self) -> None:
        self._schema = ExitStack()  # holds the private_pg_schema in use
        self.url: str | None = None
        self._engine = None
        self._fingerprint: str | None = None

    def fresh(self) -> str:
        if self.url is not None:
            try:
                self._empty()
                return self.url
            except Exception:  # noqa: BLE001 - a changed or locked schema: make a new one
                self._drop()
        self.url = self._schema.enter_context(private_pg_schema())
        _fresh_database(self.url)
        from models.db import make_engine

        self._engine = make_engine(self.url, pool_size=1, max_overflow=0)
        with self._engine.connect() as conn:
            self._fingerprint = conn.execute(self.FINGERPRINT).scalar_one()
        return self.url

    def _empty(self) -> None:
        from sqlalchemy.orm import Session

        from models.base import Base
        from models.contracts import seed_from_city

        with self._engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
            if conn.execute(self.FINGERPRINT).scalar_one() != self._fingerprint:
                raise RuntimeError("a test changed the tables")
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            for (name,) in conn.execute(self.SEQUENCES).all():
                conn.execute(text("SELECT setval(CAST(:s AS regclass), 1, false)"),
                             {"s": f'"{name}"'})
        with Session(self._engine) as session:
            seed_from_city(session)
            session.commit()

    def after_test(self) -> None:
        if self.url is not None:
            _close_app_connections(self.url)

    def _drop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self.url, self._engine = None, None
        try:
            self._schema.close()
        except Exception:  # noqa: BLE001 - left for the server's next cleanup
            pass

    def close(self) -> None:
        self._drop()


@pytest.fixture(scope="session")
def _database_templates(tmp_path_factory):
    pool = PostgresSchemaPool()
    yield {"sqlite": SqliteTemplate(tmp_path_factory.mktemp("template")), "postgres": pool}
    pool.close()


@pytest.fixture
def database_url(tmp_path, _database_templates):
    """A database with every table, empty but for the migrations' seeds."""
    if os.environ.get("TEST_BACKEND") == "postgres":
        pool = _database_templates["postgres"]
        yield pool.fresh()
        pool.after_test()
        return
    yield _database_templates["sqlite"].fresh(tmp_path / "test.sqlite")


class LiveApp:
    """The app served on 127.0.0.1 in a thread, plus helpers for tests."""

    def __init__(self, app, server) -> None:
        self.app = app
        self.server = server
        self.base_url = f"http://127.0.0.1:{server.server_port}"

    def drain(self) -> None:
        self.app.extensions["event_processor"].drain()


def build_app(database_url: str, **overrides):
    from bot import create_app

    config = {
        "DATABASE_URL": database_url,
        "DATA_ENCRYPTION_KEY": TEST_KEY,
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
        "PUBLIC_BASE_URL": "http://127.0.0.1:9",
        "SCHEDULER": "off",
        "TESTING": True,
        **overrides,
    }
    return create_app(config)


@pytest.fixture
def live(database_url):
    app = build_app(database_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # serve_forever looks for shutdown() every poll_interval (0.5 s by default: half a
    # second lost in the teardown of every test that serves the app).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)  # fmt: skip
    thread.start()
    live_app = LiveApp(app, server)
    app.config["PUBLIC_BASE_URL"] = live_app.base_url
    app.config["LINE_API_BASE_URL"] = live_app.base_url + "/sandbox/line-api"
    try:
        yield live_app
    finally:
        live_app.drain()
        server.shutdown()
        app.extensions["event_processor"].shutdown()


@pytest.fixture
def app(live):
    return live.app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_app(database_url):
    """An app with staff-API tokens configured (no live server)."""
    from tests.api_helpers import api_app as make

    app = make(database_url)
    yield app
    app.extensions["event_processor"].shutdown()


@pytest.fixture
def api(api_app):
    """The staff API client (``tests.api_helpers.Api``) for ``api_app``."""
    from tests.api_helpers import Api

    return Api(api_app)


@pytest.fixture
def new_user_id() -> str:
    return "U" + uuid.uuid4().hex


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not beside the project")
    return SHARED
