"""The Procfile's three lines work exactly as written with only environment variables."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from models.city import PROJECT_ROOT
from tests.conftest import TEST_KEY


def procfile() -> dict[str, str]:
    lines = (PROJECT_ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def empty_database(tmp_path):
    """A database with no tables: the release phase creates them."""
    if os.environ.get("TEST_BACKEND") != "postgres":
        yield f"sqlite:///{tmp_path / 'procfile.sqlite'}"
        return
    from tests.conftest import private_pg_schema

    with private_pg_schema() as url:
        yield url


@pytest.fixture
def env(empty_database):
    database_url = empty_database
    bin_dir = str(Path(sys.executable).parent)
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "DATABASE_URL": database_url,
        "DATA_ENCRYPTION_KEY": TEST_KEY,
        "PORT": str(_free_port()),
        "WEB_CONCURRENCY": "1",
    }


def _run(cmd: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        ["sh", "-c", cmd],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
    out, _ = proc.communicate(timeout=30)
    return out


def test_procfile_has_release_web_and_clock():
    assert set(procfile()) == {"release", "web", "clock"}


def test_release_web_and_clock_start_as_written(env):
    lines = procfile()
    release = subprocess.run(
        ["sh", "-c", lines["release"]], env=env, cwd=PROJECT_ROOT, capture_output=True, timeout=120
    )
    assert release.returncode == 0, release.stderr
    web = _run(lines["web"], env)
    try:
        url = f"http://127.0.0.1:{env['PORT']}/healthz"
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback
                    status = resp.status
            except OSError:
                time.sleep(0.3)
        assert status == 200, _stop(web)
    finally:
        _stop(web)
    clock = _run(lines["clock"], env)
    try:
        time.sleep(4)
        assert clock.poll() is None, _stop(clock)  # still running
        second = subprocess.run(
            ["sh", "-c", lines["clock"]], env=env, cwd=PROJECT_ROOT, capture_output=True,
            text=True, timeout=60,
        )
        assert second.returncode == 1
        assert "refusing to start" in second.stderr
    finally:
        _stop(clock)
