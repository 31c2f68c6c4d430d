"""Benchmark: concurrent reservations per second, and listing open slots across 200 events.

    .venv/bin/python bench/booking.py [--pg postgresql://...] [--threads 16] [--bookings 2000]

Each reservation is a full booking (conditional UPDATE + INSERT with a
unique code) in its own unit of work, as in production. Results go to
stdout as a Markdown table; docs/bookings.md keeps the last run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

import models  # noqa: E402,F401
from models.base import Base  # noqa: E402
from models.bookings import book  # noqa: E402
from models.crypto import Keyring, install_keyring  # noqa: E402
from models.db import db, make_engine  # noqa: E402
from models.events import OPEN, VENUE, Slot, SupportEvent, open_slots_across, upcoming_events  # noqa: E402
from models.places import Place  # noqa: E402
from models.residents import Resident  # noqa: E402

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def fresh(url: str) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    engine.dispose()
    db.bind(url)


def seed(events: int, slots_per_event: int, capacity: int, residents: int) -> list[int]:
    with db.unit_of_work() as s:
        place = Place(kind="venue", name="bench", area="honcho", approved_by_city=True,
                      opens="09:00", closes="17:00")  # fmt: skip
        s.add(place)
        s.flush()
        slot_ids = []
        for i in range(events):
            start = NOW + timedelta(days=1 + i // 4, hours=i % 4 * 2)
            event = SupportEvent(kind=VENUE, place_id=place.id, starts_at=start,
                                 ends_at=start + timedelta(hours=2), status=OPEN)  # fmt: skip
            s.add(event)
            s.flush()
            for j in range(slots_per_event):
                slot = Slot(event_id=event.id, starts_at=start + timedelta(minutes=8 * j),
                            ends_at=start + timedelta(minutes=8 * j + 8), capacity=capacity,
                            booked=0)  # fmt: skip
                s.add(slot)
                s.flush()
                slot_ids.append(slot.id)
        s.add_all(Resident(line_key=f"bench{i}") for i in range(residents))
        s.commit()
    return slot_ids


def bench_reservations(url: str, threads: int, bookings: int) -> dict[str, float]:
    fresh(url)
    # One event per resident batch so that no resident books the same event twice.
    events = max(1, bookings // 50)
    slot_ids = seed(events, 1, 60, bookings)
    with db.reader() as s:
        resident_ids = [r for (r,) in s.execute(text("SELECT id FROM residents ORDER BY id"))]
    lock = threading.Lock()
    outcomes: dict[str, int] = {}

    def one(i: int) -> None:
        try:
            with db.unit_of_work() as s:
                result = book(s, resident_id=resident_ids[i], slot_id=slot_ids[i % len(slot_ids)],
                              party_size=1, channel="bench")  # fmt: skip
                s.commit()
            outcome = result.outcome
        except OperationalError:  # SQLite: a writer starved past busy_timeout
            outcome = "locked"
        with lock:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(bookings)))
    elapsed = time.perf_counter() - started
    return {"per_second": outcomes.get("booked", 0) / elapsed,
            "booked": outcomes.get("booked", 0), "locked": outcomes.get("locked", 0),
            "elapsed": elapsed}  # fmt: skip


def bench_listing(url: str, runs: int = 20) -> dict[str, float]:
    fresh(url)
    seed(200, 14, 4, 0)
    timings = {"upcoming_events": [], "open_slots_across": []}
    for _ in range(runs):
        with db.reader() as s:
            t0 = time.perf_counter()
            events = upcoming_events(s, NOW, VENUE, limit=200)
            t1 = time.perf_counter()
            slots = open_slots_across(s, NOW, VENUE)
            t2 = time.perf_counter()
        timings["upcoming_events"].append((t1 - t0) * 1000)
        timings["open_slots_across"].append((t2 - t1) * 1000)
    assert len(events) == 200 and len(slots) == 2800
    return {k: statistics.median(v) for k, v in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL",
                                                      "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--bookings", type=int, default=2000)
    args = parser.parse_args()
    install_keyring(Keyring.from_setting(Keyring.generate()))
    with tempfile.TemporaryDirectory() as tmp:
        backends = {"SQLite": f"sqlite:///{tmp}/bench.sqlite", "PostgreSQL": args.pg}
        print(f"threads={args.threads} bookings={args.bookings}\n")
        print("| backend | reservations/s | booked | gave up (locked) "
              "| list 200 events (ms, median) | list 2,800 open slots (ms, median) |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, url in backends.items():
            try:
                r = bench_reservations(url, args.threads, args.bookings)
                lst = bench_listing(url)
            except Exception as exc:  # noqa: BLE001 - report an unreachable backend
                print(f"| {name} | unavailable: {type(exc).__name__} | | | | |")
                continue
            finally:
                if db.engine is not None:
                    db.engine.dispose()
            print(f"| {name} | {r['per_second']:.0f} | {r['booked']} | {r['locked']} | "
                  f"{lst['upcoming_events']:.1f} | {lst['open_slots_across']:.1f} |")


if __name__ == "__main__":
    main()
