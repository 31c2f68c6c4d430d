"""Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

import models  # noqa: F401
from models.base import Base
from models.city import PROJECT_ROOT
from models.db import make_engine


def _upgrade_and_compare(url: str) -> list:
    engine = make_engine(url)
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    command.downgrade(cfg, "base")
    engine.dispose()
    return diff


def test_migrations_match_the_models_on_sqlite(tmp_path):
    assert _upgrade_and_compare(f"sqlite:///{tmp_path / 'm.sqlite'}") == []


def test_migrations_match_the_models_on_postgresql(pg_url):
    assert _upgrade_and_compare(pg_url) == []
