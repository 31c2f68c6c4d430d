"""Scoring one phase of bench/webhook.py: rates, latencies, answers, CPU, RSS."""

from __future__ import annotations

import json
import statistics
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

from linebench import procs, tokens
from linebench.load import Traffic


@dataclass
class Answers:
    """What the stand-in received for one phase's events."""

    first: dict[int, float] = field(default_factory=dict)  # event -> first answer's arrival
    replies: int = 0
    pushes: int = 0
    refused: int = 0  # reply calls LINE would refuse (token used, expired or unknown)
    retried: int = 0  # pushes answered 409: a retry key already accepted
    per_event: dict[int, int] = field(default_factory=dict)

    dup_total: int | None = None  # set when summing over repetitions

    @property
    def duplicates(self) -> int:
        if self.dup_total is not None:
            return self.dup_total
        return sum(n - 1 for n in self.per_event.values() if n > 1)


class Collector:
    """Reads the stand-in's records and attributes them to one phase's events."""

    def __init__(self, standin_url: str, token_key: str) -> None:
        self.url, self.key, self.cursor = standin_url, token_key, 0

    def _fetch(self) -> list[list]:
        with urllib.request.urlopen(f"{self.url}/_bench/records?since={self.cursor}") as resp:  # noqa: S310
            data = json.loads(resp.read())
        self.cursor = data["next"]
        return data["records"]

    def mark(self) -> None:
        """Start a phase: skip everything received so far."""
        self._fetch()

    def _add(self, answers: Answers, traffic: Traffic, records: list[list]) -> None:
        for kind, at, who, _ok, _detail in records:
            if kind in ("reply", "refused"):
                decoded = tokens.decode(self.key, who)
                if decoded is None or decoded[1] != traffic.phase:
                    continue
                number = decoded[2]
                if kind == "refused":
                    answers.refused += 1
                    continue
                answers.replies += 1
            elif kind in ("push", "push_retry"):
                if who not in traffic.number_of_user:
                    continue
                number = traffic.number_of_user[who]
                if kind == "push_retry":
                    answers.retried += 1
                    continue
                answers.pushes += 1
            else:
                continue
            answers.per_event[number] = answers.per_event.get(number, 0) + 1
            answers.first.setdefault(number, at)

    def settle(self, traffic: Traffic, quiet: float, grace: float, limit: float) -> Answers:
        """Collect until every event is answered (then ``grace`` more seconds for
        duplicates), nothing new came for ``quiet`` seconds, or ``limit`` passed."""
        answers = Answers()
        start = last = time.monotonic()
        complete_at = None
        while True:
            records = self._fetch()
            self._add(answers, traffic, records)
            now = time.monotonic()
            if records:
                last = now
            if complete_at is None and len(answers.first) >= traffic.count:
                complete_at = now
            if complete_at is not None and now - complete_at >= grace:
                break
            if now - last >= quiet or now - start >= limit:
                break
            time.sleep(0.25)
        return answers


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class CpuSample:
    per_pid: dict[int, float]
    machine_busy: float
    wall: float

    @classmethod
    def take(cls, pids: list[int]) -> CpuSample:
        return cls({p: procs.cpu_seconds(p) for p in pids}, procs.machine_busy_seconds()[0],
                   time.monotonic())  # fmt: skip


def cpu_delta(before: CpuSample, after: CpuSample) -> float:
    return sum(v - before.per_pid.get(p, 0.0) for p, v in after.per_pid.items())


@dataclass
class Row:
    server: str
    load: str  # "c16", "c64", "burst 420/s"
    events: int
    ok: int
    webhooks_per_s: float
    answers_per_s: float | None
    p50_ms: float
    p99_ms: float
    answers: Answers | None
    lost: int | None
    cpu_ms: float  # server processes, per event
    db_cpu_ms: float | None  # database backends, per event
    rss_mb: list[tuple[float, float]]  # (RSS, PSS) per process
    others_cores: float  # CPU used by processes that are not ours, in cores, during the phase
    answer_p99_s: float | None = None
    failures: str = ""  # statuses of the requests that did not get a 200 (599: no answer)


def score(server: str, load: str, traffic: Traffic, answers: Answers | None,
          cpu_ms: float, db_cpu_ms: float | None, rss: list[float], others: float) -> Row:  # fmt: skip
    ok = sum(1 for s in traffic.status if s == 200)
    start = min(traffic.sent)
    timed = zip(traffic.sent, traffic.done, traffic.status, strict=True)
    latencies = [(d - s) * 1000 for s, d, st in timed if st == 200]
    web_rate = ok / max(max(traffic.done) - start, 1e-9)
    answers_rate = lost = answer_p99 = None
    if answers is not None:
        # Lost: acknowledged with 200 and never answered. An event whose webhook
        # did not get a 200 was never acknowledged (LINE would count it failed).
        lost = sum(1 for n, st in enumerate(traffic.status) if st == 200 and n not in answers.first)
        if answers.first:
            answers_rate = len(answers.first) / max(max(answers.first.values()) - start, 1e-9)
            delays = [answers.first[n] - traffic.sent[n] for n in answers.first]
            answer_p99 = percentile(delays, 0.99)
    failed = Counter(st for st in traffic.status if st != 200)
    failures = ": " + ", ".join(f"{st}×{n}" for st, n in sorted(failed.items())) if failed else ""
    return Row(server, load, traffic.count, ok, web_rate, answers_rate,
               percentile(latencies, 0.50), percentile(latencies, 0.99), answers, lost,
               cpu_ms, db_cpu_ms, rss, others, answer_p99, failures)  # fmt: skip


def summary(rows: list[Row]) -> list[Row]:
    """One row per server and load: medians of the rates, latencies and CPU over the
    repetitions; answers, duplicates and losses summed; the largest RSS."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.server, row.load), []).append(row)
    out = []
    for (server, load), group in groups.items():
        def med(values):
            values = [v for v in values if v is not None]
            return statistics.median(values) if values else None

        answers = None
        if all(r.answers is not None for r in group):
            answers = Answers(
                first={i: 0.0 for r in group for i in r.answers.first},
                replies=sum(r.answers.replies for r in group),
                pushes=sum(r.answers.pushes for r in group),
                refused=sum(r.answers.refused for r in group),
                retried=sum(r.answers.retried for r in group),
                per_event={},
            )
            answers.dup_total = sum(r.answers.duplicates for r in group)
        rss = [max(x) for x in zip(*(r.rss_mb for r in group), strict=False)]  # largest RSS
        out.append(Row(
            server, f"{load} ×{len(group)}" if len(group) > 1 else load,
            sum(r.events for r in group), sum(r.ok for r in group),
            med(r.webhooks_per_s for r in group), med(r.answers_per_s for r in group),
            med(r.p50_ms for r in group), med(r.p99_ms for r in group), answers,
            None if any(r.lost is None for r in group) else sum(r.lost for r in group),
            med(r.cpu_ms for r in group), med(r.db_cpu_ms for r in group), rss,
            statistics.mean(r.others_cores for r in group), med(r.answer_p99_s for r in group),
        ))  # fmt: skip
    return out


def table(rows: list[Row]) -> str:
    head = ("| server | load | events | webhooks/s | answers/s end to end | webhook p50 / p99 ms "
            "| answer p99 s | replies / pushes | refused | dup | lost | CPU ms/event (server + db) "
            "| RSS (PSS) MB per process | others' load (cores) |")  # fmt: skip
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        a = r.answers
        rate = "—" if r.answers_per_s is None else f"{r.answers_per_s:,.0f}"
        rp = "—" if a is None else f"{a.replies} / {a.pushes}"
        refused = "—" if a is None else str(a.refused)
        dup = "—" if a is None else str(a.duplicates)
        lost = "—" if r.lost is None else str(r.lost)
        cpu = f"{r.cpu_ms:.2f}" + ("" if r.db_cpu_ms is None else f" + {r.db_cpu_ms:.2f}")
        ap99 = "—" if r.answer_p99_s is None else f"{r.answer_p99_s:.2f}"
        rss = ", ".join(f"{x:.0f} ({y:.0f})" for x, y in r.rss_mb)
        bad = "" if r.ok == r.events else f" ({r.events - r.ok} not 200{r.failures})"
        lines.append(
            f"| {r.server} | {r.load} | {r.events}{bad} | {r.webhooks_per_s:,.0f} | {rate} "
            f"| {r.p50_ms:.0f} / {r.p99_ms:.0f} | {ap99} | {rp} | {refused} | {dup} | {lost} "
            f"| {cpu} | {rss} | {r.others_cores:.2f} |"
        )
    return "\n".join(lines)
