"""``werkplaats bench notify``: notifications alone, as the process ``werkplaats up`` runs, at a steady rate.

The benchmark publishes ``conflict.detected`` straight onto ``scheduling.conflicts`` (no scheduler in the
way) at a steady rate, each naming a probe organisation a webhook subscription follows. Per conflict it
takes publish → read by a plain consumer in the benchmark's process (the broker's share: the baseline)
and publish → the signed webhook at the benchmark's receiver (the broker plus notifications).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer

from benchmarks.notifications import SECRET, Run, WebhookReceiver, until
from benchmarks.processes import ServiceProcess, sqlalchemy_url
from benchmarks.report import machine, quantiles_ms
from benchmarks.scheduling.kafka import ConflictTail
from benchmarks.scheduling.postgres import scratch_database
from contracts import ConflictDetected, encode_event, new_event
from contracts.topics import SCHEDULING_CONFLICTS, all_service_topics
from notifications.service import subscriptions as manage
from werkplaats.db import Database
from werkplaats.topics_admin import ensure_topics


@dataclass(frozen=True)
class Latency:
    """Latencies of one path in milliseconds, and how many arrived."""

    name: str
    received: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, name: str, seconds: list[float]) -> Latency:
        """The spread of ``seconds``."""
        return cls(name, len(seconds), *quantiles_ms(seconds, 0.5, 0.99, 1.0))


@dataclass(frozen=True)
class NotifyResult:
    """One database's run: conflicts sent, the two paths, the load average after it."""

    database: str
    sent: int
    paths: tuple[Latency, Latency]
    load: str
    cpu_ms: float
    """CPU time (user + system, all threads) the notifications process spent per conflict of the run."""

    def rows(self) -> list[str]:
        """The result as rows of the markdown table."""
        return [
            f"| {self.database} | {self.sent:,} | {p.name} | {p.received:,} | {p.p50_ms:,.0f} | "
            f"{p.p99_ms:,.0f} | {p.max_ms:,.0f} | {self.cpu_ms:.2f} | {self.load} |"
            for p in self.paths
        ]


HEADER = (
    "| database | sent | path | received | p50 ms | p99 ms | max ms | notifications CPU ms per conflict "
    "| load average after |\n"
    "|---|---:|---|---:|---:|---:|---:|---:|---:|"
)


def conflict(run: Run, name: str, index: int) -> ConflictDetected:
    """A high-severity overlap of the probe's activity ``name`` with an anchor, in a wijk of its own."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    return ConflictDetected.model_validate(
        {
            "conflict_id": f"bench-{run.tag}-{name}",
            "rule": "neighbourhood_overlap",
            "severity": "high",
            "activities": [
                {"organisation": run.org("anchor"), "activity_id": f"a-{name}", "occurrence_start": start},
                {"organisation": run.org("probe"), "activity_id": name, "occurrence_start": start},
            ],
            "neighbourhoods": [run.buurt(index % 1_000)],
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "explanation": {
                "nl": "Twee inspraakavonden in dezelfde buurt overlappen.",
                "en": "Two consultation evenings in the same buurt overlap.",
            },
            "suggestions": [start + timedelta(days=2)],
        }
    )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of process ``pid`` so far, all its threads (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def database_url(kind: str, workdir: Path, postgres_url: str) -> AsyncIterator[str]:
    """A fresh notifications database URL of ``kind``."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'notifications.db'}"
        return
    async with scratch_database(postgres_url) as url:
        yield sqlalchemy_url(url)


class NotifyBench:
    """The notifications process, the producer, the conflict tail and the webhook receiver of one run."""

    def __init__(self, bootstrap: str, run: Run, workdir: Path, url: str) -> None:
        self.run, self.url = run, url
        self.receiver = WebhookReceiver()
        self.tail = ConflictTail(bootstrap, run.org("probe"))
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1)
        self.service = ServiceProcess(
            "notifications",
            {
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "WERKPLAATS_DATA_DIR": str(workdir),
                "WERKPLAATS_LOG_LEVEL": "WARNING",
                "NOTIFICATIONS_DATABASE_URL": url,
                "NOTIFICATIONS_CONSUMER_GROUP": f"bench-notify-{run.tag}",
                "NOTIFICATIONS_START_FROM": "latest",
                "WERKPLAATS_OUTBOUND_ALLOW": "127.0.0.1/32",  # the benchmark's own webhook receiver
            },
            workdir / "notifications.log",
        )

    async def start(self, exits: AsyncExitStack) -> None:
        """Start everything and subscribe the receiver to the probe organisation's conflicts."""
        for part in (self.receiver, self.tail, self.producer, self.service):
            await part.start()
            exits.push_async_callback(part.stop)
        request = manage.SubscriptionRequest.model_validate(
            {
                "webhook": {"url": self.receiver.url, "secret": SECRET},
                "organisations": [self.run.org("probe")],
            }
        )
        database = Database(self.url)
        try:
            await manage.add_subscription(database, request, created_by="bench")
        finally:
            await database.dispose()

    async def publish(self, name: str, index: int) -> tuple[float, float]:
        """Send one conflict; the moment sent as (``perf_counter``, epoch)."""
        data = conflict(self.run, name, index)
        moments = time.perf_counter(), time.time()
        await self.producer.send(
            SCHEDULING_CONFLICTS,
            encode_event(new_event(data, source="scheduling")),
            key=data.conflict_id.encode(),
        )
        return moments

    def warned(self, name: str) -> bool:
        """Whether the probe's warning about ``name`` reached the receiver."""
        return (self.run.org("probe"), name) in self.receiver.warned

    async def warm_up(self, timeout: float = 120.0) -> None:
        """Send marker conflicts until one reaches the webhook (the consumer has joined its group)."""
        deadline = time.monotonic() + timeout
        for n in range(10_000):
            await self.publish(f"marker{n}", n)
            try:
                await until(lambda n=n: self.warned(f"marker{n}"), 3, "a marker's warning")  # type: ignore[misc]
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise

    async def steady(self, rate: float, duration: float) -> dict[str, tuple[float, float]]:
        """Publish ``rate * duration`` conflicts at ``rate``; wait for their warnings; when each was sent."""
        sent: dict[str, tuple[float, float]] = {}
        started = time.perf_counter()
        for index in range(max(1, round(rate * duration))):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[f"probe{index}"] = await self.publish(f"probe{index}", index)
        await self.producer.flush()
        with contextlib.suppress(TimeoutError):  # reported as fewer received
            await until(lambda: all(self.warned(name) for name in sent), 120, "every warning")
        return sent


async def measure(bootstrap: str, kind: str, rate: float, duration: float, postgres_url: str) -> NotifyResult:
    """One run on one kind of database, with a fresh process, group and database."""
    run = Run.new()
    await ensure_topics(bootstrap, all_service_topics())
    with tempfile.TemporaryDirectory(prefix="werkplaats-notify-") as name:
        workdir = Path(name)
        async with database_url(kind, workdir, postgres_url) as url, AsyncExitStack() as exits:
            bench = NotifyBench(bootstrap, run, workdir, url)
            print(f"{kind}: starting notifications as a process (run {run.tag}) ...", file=sys.stderr)
            await bench.start(exits)
            await bench.warm_up()
            print(f"  {round(rate * duration):,} conflicts at {rate:g}/s ...", file=sys.stderr)
            cpu_before = cpu_seconds(bench.service.pid)
            sent = await bench.steady(rate, duration)
            cpu = cpu_seconds(bench.service.pid) - cpu_before
            probe = run.org("probe")
            read = [bench.tail.received[n] - at for n, (at, _) in sent.items() if n in bench.tail.received]
            hooked = [
                bench.receiver.warned[(probe, n)][1] - at
                for n, (_, at) in sent.items()
                if (probe, n) in bench.receiver.warned
            ]
            return NotifyResult(
                kind,
                len(sent),
                (
                    Latency.of("publish → read by a plain consumer (baseline)", read),
                    Latency.of("publish → signed webhook (notifications)", hooked),
                ),
                f"{os.getloadavg()[0]:.1f}",
                cpu * 1e3 / len(sent),
            )


def markdown(results: list[NotifyResult], command: str) -> str:
    """The results as a section of docs/benchmarks.md."""
    rows = "\n".join(row for result in results for row in result.rows())
    return f"Command: `{command}`\n\nMachine: {machine()}.\n\n{HEADER}\n{rows}\n"
