"""Schemathesis over the staff API, on PostgreSQL: 0 5xx, and every answer as documented.

The document is the one the app publishes (``/api/v1/openapi.json``); every
operation is called with generated valid and invalid requests (a fixed seed:
``derandomize``, a bounded number of examples) with a ``personal_data``
token, against a database holding one of everything (ids 1 … 3, which the
document's examples name). Checks: no server error, status codes, content
types and bodies as documented, invalid requests refused (400-class), valid
ones not refused with 400 — 409/422 are rules of the program, not shapes.
Run alone: ``pytest tests/integration/test_api_fuzz_pg.py -s`` prints the
count of requests and the time.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config._checks import PositiveDataAcceptanceConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from models.db import db
from tests.booking_factories import jst, person, venue_event, visit_event

EXAMPLES = 30  # per operation and mode; ~35 operations → a few thousand requests
STATS: Counter = Counter()


def _seed() -> None:
    from handlers.schedule_ops import Actor, book_for_caller
    from models.staff import SITE_MANAGER, Assignment
    from tests.defect_helpers import add_record

    with db.unit_of_work() as s:
        event = venue_event(s, jst(2027, 1, 16, 10), status="open")
        visit_event(s, jst(2027, 1, 19, 10))
        staff = person(s, SITE_MANAGER)
        s.add(Assignment(event_id=event.id, staff_id=staff.id, role="worker"))
        record = add_record(s, event=event)
        s.flush()
        book_for_caller(s, Actor("test"), event.slots[0].id, 2, "+819012345678")
        from handlers import defect_ops

        defect_ops.open_case(s, "test", record, reason=_reason(), source="city",
                             found_on=None, detail="写真", now=jst(2027, 1, 16, 12))  # fmt: skip
        s.commit()


def _reason() -> str:
    from models.defects import reason_codes

    return reason_codes()[0]


@pytest.fixture
def fuzz_app(pg_url):
    from tests.api_helpers import api_app
    from tests.conftest import _fresh_database

    _fresh_database(pg_url)
    app = api_app(pg_url)
    _seed()
    yield app
    app.extensions["event_processor"].shutdown()


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection, positive_data_acceptance]  # fmt: skip


def _schema(app):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    loaded.config.generation.update(with_security_parameters=False)  # the token is ours
    # A valid request may still break a rule of the program (422) or the state (409, 404).
    loaded.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=["2xx", "401", "403", "404", "409", "422"]
    )
    return loaded


def _fuzz(operation, mode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        STATS["requests"] += 1
        STATS[f"{response.status_code // 100}xx"] += 1

    run()


def test_the_staff_api_answers_every_generated_request_as_documented(fuzz_app, capsys):
    from tests.api_helpers import AUTH

    started = time.monotonic()
    failures = []
    for result in _schema(fuzz_app).get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, dict(AUTH))
            except Unsatisfiable:
                continue  # nothing to make invalid: the operation has no parameters or body
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported together below
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:600]}")
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\nschemathesis: {STATS['requests']} requests, {STATS['5xx']} 5xx, "
              f"{dict(STATS)}, {elapsed:.0f} s")  # fmt: skip
    assert not failures, "\n\n".join(failures)
    assert STATS["5xx"] == 0 and STATS["requests"] > 0
