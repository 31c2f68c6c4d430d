"""LINE webhook speed, side by side: the stack's limit, an echo bot, and myna-desk.

    .venv/bin/python bench/webhook.py [--events 3000] [--concurrency 16,64]
        [--burst 60] [--two-instances 1000] [--write]

Starts on loopback, on free ports: a LINE API stand-in (bench/linebench/standin.py:
reply tokens expire ``--token-ttl`` seconds after the webhook was sent and work
once; pushes are deduplicated by X-Line-Retry-Key); (a) a Flask app that only
checks X-Line-Signature; (b) a minimal echo bot on line-bot-sdk v3's documented
API; (c) myna-desk exactly as the Procfile's ``web`` line starts it (bound to
127.0.0.1 instead of 0.0.0.0), with its ``clock``, on a fresh PostgreSQL database
migrated by the ``release`` line and dropped at the end. (a) and (b) are served
by the same gunicorn command line as (c). myna-desk gets credentials-shaped
LINE settings and LINE_API_BASE_URL pointing at the stand-in, so it is not in
sandbox mode.

Each server gets the same number of unique, signed text events (one user each)
at each concurrency, one server at a time; then a burst at the echo bot's
measured answer rate for ``--burst`` seconds; then two myna-desk instances
(two ports, one database) receive every event of a run at the same moment.
Prints, per server and load: webhooks/s, answers/s end to end (first request to
last answer received by the stand-in), webhook p50/p99, answer delay p99,
replies/pushes, refused reply tokens, duplicates, losses, CPU per event of the
server's processes (and of its database backends), RSS per process, the load
other processes put on the machine meanwhile, and myna-desk's ratios to (a) and (b).
Everything it starts is stopped by the process group of the pid it started.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from linebench import load, procs, results  # noqa: E402
from linebench.results import CpuSample, Row  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:webhook -->", "<!-- /bench:webhook -->"
NAMES = {"a": "(a) signature only", "b": "(b) echo bot (SDK)", "c": "(c) myna-desk"}


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def web_command(app_spec: str | None = None) -> str:
    """The Procfile's web line on loopback; another WSGI app if ``app_spec`` is given."""
    line = procfile()["web"].replace("0.0.0.0", "127.0.0.1")
    if app_spec:
        line = re.sub(r"'bot:\w+\(\)'", f"--pythonpath {BENCH} '{app_spec}'", line)
    return line


TUNABLES = ("WEB_CONCURRENCY", "WEB_THREADS", "EVENT_WORKERS", "DB_POOL_SIZE", "DB_MAX_OVERFLOW", "BATCH_LINGER_MS",
            )  # fmt: skip


class Bench:
    def __init__(self, args: argparse.Namespace, logdir: Path) -> None:
        self.args, self.logdir = args, logdir
        self.secret = secrets.token_hex(16)  # LINE channel secrets are 32 hex characters
        self.access_token = secrets.token_urlsafe(129)[:172]  # long-lived tokens: 172 chars
        self.token_key = load.tokens.new_key()
        self.servers: dict[str, list[procs.Proc]] = {}
        self.urls: dict[str, str] = {}
        self.started: list[procs.Proc] = []
        self.database: str | None = None
        self.phase = 0
        self.rows: list[Row] = []
        self.messages = load.read_messages(Path(args.messages)) if args.messages else load.MESSAGES

    # -- processes -------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        bin_dir = str(Path(sys.executable).parent)
        return {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "LINE_CHANNEL_SECRET": self.secret,
            "LINE_CHANNEL_ACCESS_TOKEN": self.access_token,
            "LINE_API_BASE_URL": self.standin_url,
            # Settings under test (docs/performance.md), passed through when set.
            **{k: os.environ[k] for k in TUNABLES if k in os.environ},
            **extra,
        }

    def start(self, name: str, cmd: str, env: dict[str, str]) -> procs.Proc:
        proc = procs.start(name, cmd, env, ROOT, self.logdir)
        self.started.append(proc)
        return proc

    def start_standin(self) -> None:
        cmd = (f"exec {sys.executable} {BENCH / 'linebench' / 'standin.py'} --key {self.token_key}"
               f" --access-token={self.access_token} --token-ttl={self.args.token_ttl}")  # fmt: skip
        proc = self.start("standin", cmd, {"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = proc.log.read_text() if proc.log.exists() else ""
            match = re.search(r"PORT (\d+)", text)
            if match:
                self.standin_url = f"http://127.0.0.1:{match.group(1)}"
                self.standin = proc
                return
            time.sleep(0.1)
        raise RuntimeError(f"stand-in did not start; see {proc.log}")

    def start_reference(self, key: str, spec: str) -> None:
        port = procs.free_port()
        proc = self.start(key, web_command(spec), self.env(PORT=str(port)))
        self.servers[key] = [proc]
        self.urls[key] = f"http://127.0.0.1:{port}"

    def create_database(self) -> str:
        import psycopg

        self.database = "bench_webhook_" + secrets.token_hex(4)
        with psycopg.connect(self.args.pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        return re.sub(r"/[^/?]*(\?|$)", f"/{self.database}\\1", self.args.pg_url, count=1)

    def project_env(self, url: str, port: int) -> dict[str, str]:
        return self.env(
            DATABASE_URL=url,
            DATA_ENCRYPTION_KEY=self.encryption_key,
            SECRET_KEY=secrets.token_hex(32),
            PORT=str(port),
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        )

    def start_project(self) -> None:
        from cryptography.fernet import Fernet

        url = self.create_database()
        self.database_url = url
        self.encryption_key = Fernet.generate_key().decode()
        port = procs.free_port()
        env = self.project_env(url, port)
        release = subprocess.run(["sh", "-c", procfile()["release"]], env=env, cwd=ROOT,
                                 capture_output=True, text=True, timeout=300)  # fmt: skip
        if release.returncode != 0:
            raise RuntimeError(f"release failed:\n{release.stderr[-3000:]}")
        web = self.start("c-web", web_command(), env)
        self.servers["c"] = [web]
        self.urls["c"] = f"http://127.0.0.1:{port}"
        if not self.args.no_clock:
            self.servers["c"].append(self.start("c-clock", procfile()["clock"], env))

    def start_second_instance(self) -> str:
        port = procs.free_port()
        proc = self.start("c2-web", web_command(), self.project_env(self.database_url, port))
        self.servers["c2"] = [proc]
        url = f"http://127.0.0.1:{port}"
        procs.wait_http(url + "/healthz", proc)
        return url

    def db_pids(self) -> list[int]:
        if self.database is None:
            return []
        import psycopg

        with psycopg.connect(self.args.pg_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)
            ).fetchall()
        return [r[0] for r in rows]

    def stop(self) -> None:
        for proc in reversed(self.started):
            proc.stop()
        if self.database is not None:
            import psycopg

            with psycopg.connect(self.args.pg_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    # -- phases ----------------------------------------------------------------
    def pids_of(self, keys: list[str]) -> list[int]:
        return [p for k in keys for proc in self.servers[k] for p in proc.pids()]

    def our_pids(self) -> list[int]:
        keys = list(self.servers)
        return self.pids_of(keys) + self.standin.pids() + [os.getpid()] + self.db_pids()

    def run_phase(self, keys: list[str], label: str, count: int, *, concurrency: int = 0,
                  rate: float = 0.0) -> Row:  # fmt: skip
        self.phase += 1
        traffic = load.Traffic(self.secret, self.token_key, count, self.phase,
                               messages=self.messages)  # fmt: skip
        collector = results.Collector(self.standin_url, self.token_key)
        uses_db = any(k.startswith("c") for k in keys)
        urls = [self.urls[k] + "/line/webhook" for k in keys]
        if uses_db and not self.args.new_residents:
            self.befriend(urls[0], traffic, collector)
        collector.mark()
        spies = self.start_spies(keys, label) if uses_db else []
        before_all = CpuSample.take(self.our_pids())
        if rate:
            load.paced(urls, traffic, rate)
        else:
            load.closed_loop(urls, traffic, concurrency)
        answers = None
        if keys != ["a"]:
            answers = collector.settle(traffic, self.args.quiet, self.args.grace,
                                       self.args.settle_limit)  # fmt: skip
        server_pids = self.pids_of(keys)
        db = self.db_pids() if uses_db else []
        after_all = CpuSample.take(self.our_pids())
        self.stop_spies(spies)
        server_cpu = sum(after_all.per_pid[p] - before_all.per_pid.get(p, 0.0) for p in server_pids)
        db_cpu = sum(after_all.per_pid[p] - before_all.per_pid.get(p, 0.0) for p in db)
        ours = results.cpu_delta(before_all, after_all)
        wall = after_all.wall - before_all.wall
        others = max(0.0, (after_all.machine_busy - before_all.machine_busy) - ours) / wall
        rss = [(procs.rss_mb(p), procs.pss_mb(p)) for p in server_pids
               if not procs.command(p).startswith("sh ")]  # fmt: skip
        name = " + ".join(NAMES.get(k, "(c) myna-desk, 2nd instance") for k in keys)
        row = results.score(name, label, traffic, answers, server_cpu * 1000 / count,
                            db_cpu * 1000 / count if uses_db else None, rss, others)  # fmt: skip
        self.rows.append(row)
        print(results.table([row]).splitlines()[-1], flush=True)
        return row

    def start_spies(self, keys: list[str], label: str) -> list[subprocess.Popen]:
        """With --py-spy DIR: sample every myna-desk process of this phase (timed part
        only; GIL holders only, so the samples are CPU, not waiting)."""
        if not self.args.py_spy:
            return []
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        out = Path(self.args.py_spy)
        out.mkdir(parents=True, exist_ok=True)
        spies = []
        for pid in self.pids_of([k for k in keys if k.startswith("c")]):
            if procs.command(pid).startswith("sh "):
                continue
            target = out / f"phase{self.phase}-{label}-{pid}.txt"
            spies.append(subprocess.Popen(  # noqa: S603 - our own tool, our own pids
                [spy, "record", "--pid", str(pid), "--gil", "--nonblocking", "--rate", "200",
                 "--format", "raw", "--output", str(target)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        return spies

    @staticmethod
    def stop_spies(spies: list[subprocess.Popen]) -> None:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            try:
                spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy.kill()

    def befriend(self, url: str, traffic: load.Traffic, collector: results.Collector) -> None:
        """The phase's users follow the account first (not timed): residents who
        answer a push are friends, known to myna-desk since their follow event."""
        self.phase += 1
        follows = load.Traffic(self.secret, self.token_key, traffic.count, self.phase,
                               kind="follow", user_salt=traffic.user_salt)  # fmt: skip
        collector.mark()
        load.closed_loop([url], follows, 64)
        collector.settle(follows, self.args.quiet, 0.0, self.args.settle_limit)

    def run(self) -> None:
        args = self.args
        keys = [k for k in args.servers.split(",") if k]
        self.start_standin()
        if "a" in keys:
            self.start_reference("a", "linebench.apps:signature_only()")
        if "b" in keys:
            self.start_reference("b", "linebench.apps:echo_bot()")
        if "c" in keys:
            self.start_project()
        for key in keys:
            procs.wait_http(self.urls[key] + "/healthz", self.servers[key][0])
        deadline = time.monotonic() + args.max_minutes * 60
        print(results.table([]).splitlines()[0], flush=True)
        print(results.table([]).splitlines()[1], flush=True)
        echo_rate: dict[int, list[float]] = {}
        for _ in range(args.repeat):
            for conc in [int(c) for c in args.concurrency.split(",") if c]:
                for key in keys:
                    if time.monotonic() > deadline:
                        return
                    row = self.run_phase([key], f"c{conc}", args.events, concurrency=conc)
                    if key == "b" and row.answers_per_s:
                        echo_rate.setdefault(conc, []).append(row.answers_per_s)
        rate = args.burst_rate or (
            statistics.median(echo_rate[max(echo_rate)]) if echo_rate else 0)  # fmt: skip
        self.burst_rate = rate
        if args.burst and rate:
            for key in [k for k in args.burst_servers.split(",") if k in keys]:
                if time.monotonic() > deadline:
                    return
                self.run_phase([key], f"burst {rate:.0f}/s × {args.burst:.0f} s",
                               int(rate * args.burst), rate=rate)  # fmt: skip
        if args.two_instances and "c" in keys and time.monotonic() < deadline:
            self.urls["c2"] = self.start_second_instance()
            self.run_phase(["c", "c2"], "same events to both, c16", args.two_instances,
                           concurrency=16)  # fmt: skip

    def report(self) -> str:
        summary = results.summary(self.rows)
        out = ["Every run:", "", results.table(self.rows), "",
               f"Summary (medians over {self.args.repeat} repetitions; answers, duplicates and "
               "losses summed):", "", results.table(summary), ""]  # fmt: skip
        by = {(r.server, r.load): r for r in summary}
        for load_name in sorted({r.load for r in summary if r.load.startswith("c")}):
            a, b, c = (by.get((NAMES[k], load_name)) for k in "abc")
            if c is None:
                continue
            parts = [f"{load_name}: myna-desk"]
            if a is not None:
                parts.append(f"webhooks/s {c.webhooks_per_s / a.webhooks_per_s:.2f}× (a)")
            if b is not None and b.answers_per_s and c.answers_per_s:
                parts.append(f"webhooks/s {c.webhooks_per_s / b.webhooks_per_s:.2f}× (b), "
                             f"answers/s {c.answers_per_s / b.answers_per_s:.2f}× (b)")  # fmt: skip
            out.append(", ".join(parts))
        load_avg = Path("/proc/loadavg").read_text().split()[:3]
        out.append(f"machine: {os.cpu_count()} CPUs, load average at the end {' '.join(load_avg)}; "
                   f"web line: {web_command()}")  # fmt: skip
        return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000, help="events per server and load")
    parser.add_argument("--repeat", type=int, default=2, help="repetitions of every server and load")
    parser.add_argument("--concurrency", default="16,64")
    parser.add_argument("--servers", default="a,b,c", help="any of a, b, c")
    parser.add_argument("--burst", type=float, default=60.0, help="seconds; 0: no burst")
    parser.add_argument("--burst-rate", type=float, default=0.0,
                        help="events/s (default: the echo bot's measured answer rate)")
    parser.add_argument("--burst-servers", default="b,c")
    parser.add_argument("--two-instances", type=int, default=1000,
                        help="events sent to two myna-desk instances at once; 0: skip")
    parser.add_argument("--new-residents", action="store_true",
                        help="text from users myna-desk has never seen (default: they followed "
                             "the account first, untimed)")  # fmt: skip
    parser.add_argument("--messages", help="texts to send: one a line, or JSON lines with "
                        "'text' (default: bench/linebench/messages.txt)")  # fmt: skip
    parser.add_argument("--token-ttl", type=float, default=60.0, help="reply token lifetime, s")
    parser.add_argument("--no-clock", action="store_true", help="do not start the clock")
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a database on the server where a fresh database may be created and dropped")
    parser.add_argument("--quiet", type=float, default=30.0,
                        help="stop waiting for answers after this many seconds without one")
    parser.add_argument("--grace", type=float, default=3.0,
                        help="seconds to keep listening for duplicates once all are answered")
    parser.add_argument("--settle-limit", type=float, default=180.0)
    parser.add_argument("--max-minutes", type=float, default=20.0)
    parser.add_argument("--logs", help="keep server logs in this directory")
    parser.add_argument("--py-spy", metavar="DIR",
                        help="profile myna-desk's processes during each timed phase with py-spy "
                        "(pip install py-spy; raw stacks of GIL holders into DIR)")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        logdir = Path(args.logs or tmp)
        logdir.mkdir(parents=True, exist_ok=True)
        bench = Bench(args, logdir)
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        try:
            bench.run()
        finally:
            bench.stop()
        report = bench.report()
    print()
    print(report)
    if args.write:
        from doc_block import write_block

        stamp = time.strftime("%Y-%m-%d %H:%M %Z")
        write_block(DOC, BEGIN, END, f"Run of {stamp}, `{' '.join(sys.argv[1:]) or '(defaults)'}`, "
                    f"load average before {' '.join(load_before)}:\n\n{report}")  # fmt: skip


if __name__ == "__main__":
    main()
