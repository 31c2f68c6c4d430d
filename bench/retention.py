"""Benchmark: the nightly retention purge over a year of traffic.

    .venv/bin/python bench/retention.py [--pg postgresql://...] [--residents 5000]
        [--events 100000] [--records 3000]

Seeds residents (half idle for over a year), processed LINE events and sent
outbox messages (80 % older than their 30 days), conversations and
application records of a support event 14 months ago, then times one
``models.retention.purge`` (the clock's unit of work) and reports rows
changed per second and the Python heap peak (tracemalloc). With ``--pg`` the
run uses its own schema (``bench_retention``), dropped afterwards.
Results go to stdout as a Markdown table; docs/privacy.md keeps the last run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

import models  # noqa: E402,F401
from models.applications import ApplicationRecord  # noqa: E402
from models.base import Base  # noqa: E402
from models.conversations import Conversation  # noqa: E402
from models.crypto import Keyring, install_keyring, lookup_hash  # noqa: E402
from models.db import db, make_engine  # noqa: E402
from models.events import DONE, VENUE, SupportEvent  # noqa: E402
from models.inbound import InboundEvent  # noqa: E402
from models.outbox import OutboxMessage  # noqa: E402
from models.places import Place  # noqa: E402
from models.residents import Resident  # noqa: E402
from models.retention import purge  # noqa: E402

NOW = datetime(2027, 6, 1, 18, 30, tzinfo=UTC)  # 03:30 in Tokyo, when the clock runs it
BATCH = 5000
SCHEMA = "bench_retention"


def prepare(url: str) -> str:
    """A fresh schema; returns the URL to bind to."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}options=-csearch_path%3D{SCHEMA}"
        engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    db.bind(url)
    return url


def drop(url: str) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def _chunks(rows):
    for i in range(0, len(rows), BATCH):
        yield rows[i : i + BATCH]


def seed(residents: int, events: int, records: int) -> None:
    year_ago = NOW - timedelta(days=400)
    with db.unit_of_work() as s:
        people = []
        for i in range(residents):
            seen = year_ago if i % 2 else NOW - timedelta(days=3)
            user = f"U{i:032x}"
            people.append(Resident(line_user_id=user, line_key=lookup_hash(user),
                                   display_name="bench", created_at=seen,
                                   last_seen_at=seen))  # fmt: skip
        for chunk in _chunks(people):
            s.add_all(chunk)
            s.flush()
        ids = [p.id for p in people]
        s.add_all(Conversation(resident_id=rid, channel="line", flow="venue", step="slot",
                               data={"slot": 1}, updated_at=year_ago) for rid in ids)  # fmt: skip
        s.commit()
        rows = []
        for i in range(events):
            at = NOW - timedelta(days=40 if i % 5 else 2, minutes=i % 1440)
            rows.append(InboundEvent(channel="line", event_key=f"bench-{i}", event_type="message",
                                     status="done", received_at=at, processed_at=at, attempts=1,
                                     payload={"type": "message", "text": "こんにちは"}))  # fmt: skip
        for chunk in _chunks(rows):
            s.add_all(chunk)
            s.commit()
        rows = []
        for i in range(events):
            at = NOW - timedelta(days=40 if i % 5 else 2, minutes=i % 1440)
            rows.append(OutboxMessage(channel="line", kind="push", resident_id=ids[i % len(ids)],
                                      recipient="Ubench", payload={"messages": []},
                                      status="sent", created_at=at, sent_at=at,
                                      next_attempt_at=at))  # fmt: skip
        for chunk in _chunks(rows):
            s.add_all(chunk)
            s.commit()
        place = Place(kind="venue", name="bench", area="honcho", approved_by_city=True,
                      opens="09:00", closes="17:00")  # fmt: skip
        s.add(place)
        s.flush()
        event = SupportEvent(kind=VENUE, place_id=place.id, starts_at=year_ago,
                             ends_at=year_ago + timedelta(hours=3), status=DONE)  # fmt: skip
        s.add(event)
        s.flush()
        for i in range(records):
            record = ApplicationRecord(event_id=event.id, created_by="bench", consultations=1)
            record.set_name("下関 花子")
            record.set_contact_phone(f"090{i:08d}")
            record.set_application_id(f"{i:023d}")
            s.add(record)
        s.commit()


def run(url: str, residents: int, events: int, records: int) -> dict[str, float]:
    bound = prepare(url)
    try:
        t0 = time.perf_counter()
        seed(residents, events, records)
        seeded = time.perf_counter() - t0
        tracemalloc.start()
        t0 = time.perf_counter()
        with db.unit_of_work() as s:
            counts = purge(s, NOW, actor="bench")
            s.commit()
        took = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        changed = sum(counts.values())
        return {"seed_s": seeded, "purge_s": took, "rows": changed,
                "rows_per_s": changed / took, "peak_mib": peak / 2**20}  # fmt: skip
    finally:
        if db.engine is not None:
            db.engine.dispose()
        drop(bound)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", help="a PostgreSQL URL (also runs SQLite)")
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=3000)
    args = parser.parse_args()
    install_keyring(Keyring.from_setting(Keyring.generate()))
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{tmp}/bench.sqlite")]
        if args.pg:
            targets.append(("PostgreSQL", args.pg))
        print(f"residents {args.residents}, events and outbox {args.events} each, "
              f"records {args.records}\n")  # fmt: skip
        print("| database | rows purged | purge (s) | rows/s | heap peak (MiB) |")
        print("|---|---|---|---|---|")
        for name, url in targets:
            r = run(url, args.residents, args.events, args.records)
            print(f"| {name} | {r['rows']:,} | {r['purge_s']:.2f} | {r['rows_per_s']:,.0f} "
                  f"| {r['peak_mib']:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
