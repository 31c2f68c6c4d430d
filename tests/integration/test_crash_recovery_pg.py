"""kill -9 of a web worker under load: every acknowledged event is answered once, within 60 s.

The app runs exactly as the Procfile starts it (release, gunicorn gthread web,
clock) on a private PostgreSQL schema, in sandbox mode on a random loopback
port, so the LINE stand-in inside the app records every answer. Each event
comes from its own resident with a fresh reply token, so "answered exactly
once" is "exactly one accepted reply or push to that resident".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from models import crypto
from models.city import PROJECT_ROOT
from models.db import db
from models.inbound import InboundEvent
from models.outbox import OutboxMessage
from models.sandbox import SandboxLineRequest, issue_reply_token
from tests.conftest import TEST_KEY, build_app
from tests.integration.test_procfile import _free_port, _run, _stop, procfile
from tests.line_helpers import body_of, event, sign

EVENTS = 300
KILL_AFTER = 100  # acknowledged events before the kill
DEADLINE = 60.0
ATTEMPTS = 3  # runs at most, until one kill leaves work behind for the clock


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


def wait_healthy(port: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            assert proc.poll() is None, _stop(proc)
            time.sleep(0.3)
    raise AssertionError("web never became healthy: " + _stop(proc))


def post(port: str, body: bytes) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"http://127.0.0.1:{port}/line/webhook",
        data=body,
        headers={"X-Line-Signature": sign(body), "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0  # the worker died with the connection: not acknowledged


def answers_by_resident() -> dict[str, int]:
    with db.reader() as s:
        rows = s.execute(
            select(SandboxLineRequest.to_key, func.count())
            .where(SandboxLineRequest.status == 200)
            .group_by(SandboxLineRequest.to_key)
        ).all()
    return dict(rows)


def unsettled() -> int:
    with db.reader() as s:
        events = s.scalar(
            select(func.count())
            .select_from(InboundEvent)
            .where(InboundEvent.status.in_(["received", "processing"]))
        )
        messages = s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(["pending", "sending"]))
        )
    return events + messages


def test_after_kill_9_of_a_worker_every_acknowledged_event_is_answered_once(pg_url, tmp_path):
    env = {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
        "DATABASE_URL": pg_url,
        "DATA_ENCRYPTION_KEY": TEST_KEY,
        "PORT": str(_free_port()),
        "WEB_CONCURRENCY": "2",
        # One sending thread per worker (events are batched by one thread anyway), so a
        # killed worker always leaves events or answers behind.
        "EVENT_WORKERS": "1",
        "GUNICORN_CMD_ARGS": f"--pid {tmp_path / 'web.pid'}",
    }
    lines = procfile()
    release = subprocess.run(
        ["sh", "-c", lines["release"]], env=env, cwd=PROJECT_ROOT, capture_output=True, timeout=120
    )
    assert release.returncode == 0, release.stderr
    build_app(pg_url)  # this process reads the database and issues the stand-in's reply tokens
    # A kill that finds the victim with nothing in hand (on a busy machine the other worker
    # may have taken every event) proves nothing about recovery: such a run is repeated with
    # new residents, at most ATTEMPTS times, instead of passing.
    for attempt in range(ATTEMPTS):
        clock_log = _kill_a_worker_and_check_every_answer(lines, env, tmp_path, attempt)
        if "recovered" in clock_log:
            break
    # The kill really left events behind, and the clock answered them.
    assert "recovered" in clock_log, clock_log[-2000:]


def _kill_a_worker_and_check_every_answer(lines: dict, env: dict, tmp_path, attempt: int) -> str:
    """One run of the Procfile's ``lines``: post EVENTS events, SIGKILL a worker after
    KILL_AFTER, check every acknowledged event is answered exactly once; the clock's log."""
    users = [f"U{attempt:02x}{n:030x}" for n in range(EVENTS)]
    with db.unit_of_work() as s:
        bodies = [
            body_of(event("text", u, text="メニュー", reply_token=issue_reply_token(s, u)))
            for u in users
        ]
        s.commit()
    keys = {crypto.lookup_hash(u): u for u in users}

    web = _run(lines["web"], env)
    clock = _run(lines["clock"], env)
    try:
        wait_healthy(env["PORT"], web)
        master = int((tmp_path / "web.pid").read_text())
        # /healthz answers as soon as the first worker is up; the second may
        # still be forking on a busy machine.
        deadline = time.monotonic() + 30
        while len(victims := children(master)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(victims) == 2, victims
        acked: dict[int, int] = {}
        killed = threading.Event()
        killed_at = [0.0]

        def send(n: int) -> None:
            acked[n] = post(env["PORT"], bodies[n])
            if sum(1 for code in acked.values() if code == 200) >= KILL_AFTER and not killed.is_set():
                killed.set()
                os.kill(victims[0], signal.SIGKILL)
                killed_at[0] = time.monotonic()

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(send, range(EVENTS)))
        assert killed.is_set()
        expected = {crypto.lookup_hash(users[n]) for n, code in acked.items() if code == 200}
        assert len(expected) >= EVENTS - 20, f"only {len(expected)} acknowledged"

        while time.monotonic() - killed_at[0] < DEADLINE:
            got = answers_by_resident()
            if all(got.get(k) for k in expected):
                break
            time.sleep(1)
        answered_after = time.monotonic() - killed_at[0]
        got = answers_by_resident()
        missing = [keys[k] for k in expected if not got.get(k)]
        assert not missing, f"{len(missing)} acknowledged events unanswered after {DEADLINE} s"
        settle_deadline = time.monotonic() + 30
        while unsettled() and time.monotonic() < settle_deadline:
            time.sleep(1)
        got = answers_by_resident()
        twice = {keys[k]: n for k, n in got.items() if n > 1}
        assert not twice, f"answered more than once: {twice}"
        assert answered_after <= DEADLINE
    finally:
        _stop(web)
        clock_log = _stop(clock)
    return clock_log
