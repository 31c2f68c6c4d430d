"""The PostgreSQL pass reuses one schema per worker (tests/conftest.py): each test must
still start from exactly the tables and seeds of a new database."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models.db import make_engine
from tests.conftest import PostgresSchemaPool, require_pg

pytestmark = pytest.mark.postgres


def _read(url: str, sql: str):
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql))
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


@pytest.fixture
def pool():
    require_pg()
    pool = PostgresSchemaPool()
    yield pool
    pool.close()


def test_rows_a_test_left_are_gone_and_ids_start_again(pool):
    url = pool.fresh()
    seeded = _read(url, "SELECT id, name FROM contract_periods ORDER BY id")
    assert seeded
    _read(url, "DELETE FROM contract_periods")
    _read(url, "INSERT INTO contract_periods (name, starts_on, ends_on, visit_events, "
               "visit_applicants, venue_events, venue_applicants, created_at, updated_at) "
               "VALUES ('left over', '2030-04-01', '2031-03-31', 1, 1, 1, 1, now(), now())")
    assert pool.fresh() == url  # the same schema, emptied
    # the seeds again, with the same ids: the sequences started over
    assert _read(url, "SELECT id, name FROM contract_periods ORDER BY id") == seeded


def test_a_test_that_changed_the_tables_gets_a_new_schema(pool):
    url = pool.fresh()
    _read(url, "ALTER TABLE contract_periods ADD COLUMN extra integer")
    new = pool.fresh()
    assert new != url
    columns = _read(new, "SELECT column_name FROM information_schema.columns "
                         "WHERE table_schema = current_schema() "
                         "AND table_name = 'contract_periods'")
    assert ("extra",) not in columns
    assert _read(new, "SELECT count(*) FROM contract_periods")[0][0] > 0
