"""Events per second through outbox → Kafka → idempotent consumer, against a raw aiokafka loop.

Every path moves the same events (built before the clock starts: making them is the application's
work, not the transport's), encodes them, and is timed from its first publish to its last effect,
after its consumer has joined its group. The production shape is the consumer in a process of its own
(``python -m benchmarks.probe``), as services run; the consumer inside the benchmark's process is
measured too, labelled as such.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks.probe import ProbeBase, attach, count_effects, has_effects, probe_events, probe_key, stage
from benchmarks.processes import sqlalchemy_url
from benchmarks.report import machine, median
from benchmarks.scheduling.postgres import scratch_database
from contracts import Envelope, EventData, encode_event
from contracts.topics import TopicSpec, dead_letter_spec
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings
from werkplaats.topics_admin import ensure_topics

PARTITIONS = 6
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
POSTGRES_URL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"

Events = Sequence[Envelope[EventData]]


@dataclass(frozen=True)
class Measured:
    """One path's median events per second, and CPU time per event of its own processes."""

    per_s: float
    cpu_us: float
    """CPU microseconds per event of the path's processes (the broker's not counted)."""


@dataclass(frozen=True)
class PathRates:
    """The Werkplaats path on one database."""

    database: str
    one_process: Measured
    """Producer and consumer in the benchmark's process (not how services run)."""
    separate: Measured | None
    """The consumer in a process of its own, as services run (the production shape), if measured."""


@dataclass(frozen=True)
class RuntimeResult:
    """Median events per second of each path over the rounds, and the load it ran under."""

    events: int
    rounds: int
    raw: Measured
    paths: tuple[PathRates, ...]
    machine: str
    load: str = ""

    def ratio(self, path: Measured) -> float:
        """``path``'s events per second as a share of the raw loop's."""
        return path.per_s / self.raw.per_s

    def markdown(self) -> str:
        """The result as a table for docs/benchmarks.md."""
        raw = self.raw
        rows = [f"| raw aiokafka produce → consume loop | — | {raw.per_s:,.0f} | 1.00 | {raw.cpu_us:.0f} |"]
        for path in self.paths:
            rows.append(
                f"| outbox → relay → Kafka → idempotent consumer, one process | {path.database} | "
                f"{path.one_process.per_s:,.0f} | {self.ratio(path.one_process):.2f} | "
                f"{path.one_process.cpu_us:.0f} |"
            )
            if path.separate is not None:
                rows.append(
                    f"| the same, consumer in its own process (production shape) | {path.database} | "
                    f"{path.separate.per_s:,.0f} | **{self.ratio(path.separate):.2f}** | "
                    f"{path.separate.cpu_us:.0f} |"
                )
        return "\n".join(
            [
                f"Machine: {self.machine}. {self.events:,} events, median of {self.rounds} rounds; "
                f"load average {self.load}.",
                "",
                "| path | database | events/s | ratio to the raw loop | CPU µs per event |",
                "|---|---|---:|---:|---:|",
                *rows,
            ]
        )


def load_average() -> str:
    """The 1-minute load average, as text."""
    return f"{os.getloadavg()[0]:.1f}"


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user and system, all threads) of this process, or of process ``pid`` (from /proc)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Wall time and CPU time of this process (and of ``child``) from start to ``stop``."""

    def __init__(self, child: int | None = None) -> None:
        self.child = child
        self.cpu = cpu_seconds() + (cpu_seconds(child) if child is not None else 0.0)
        self.wall = time.perf_counter()

    def stop(self, events: int) -> Measured:
        """Events per second and CPU microseconds per event since the start."""
        wall = time.perf_counter() - self.wall
        cpu = cpu_seconds() + (cpu_seconds(self.child) if self.child is not None else 0.0) - self.cpu
        return Measured(events / wall, cpu / events * 1e6)


async def fresh_topic(bootstrap: str, prefix: str) -> str:
    """A new topic (and its dead-letter topic) named after ``prefix``."""
    name = f"bench.{prefix}.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [TopicSpec(name, PARTITIONS), dead_letter_spec(name)])
    return name


async def raw_loop(bootstrap: str, events: Events) -> Measured:
    """Events per second of a plain producer and consumer moving the same events, keys and encoding."""
    topic = await fresh_topic(bootstrap, "raw")
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=2)
    await consumer.start()
    await producer.start()
    try:
        while not consumer.assignment():  # joined the group, as the other paths have before timing
            await consumer.getmany(timeout_ms=100)
        clock = Clock()
        sends = [
            await producer.send(topic, encode_event(event), key=probe_key(seq).encode())
            for seq, event in enumerate(events)
        ]
        received = 0
        while received < len(events):
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            received += sum(len(batch) for batch in batches.values())
            if batches:
                await consumer.commit()
        await asyncio.gather(*sends)
        return clock.stop(len(events))
    finally:
        await producer.stop()
        await consumer.stop()


async def producer_and_consumer(
    bootstrap: str, urls: tuple[str, str], group: str
) -> tuple[ServiceRuntime, ServiceRuntime]:
    """A producer's runtime and the probe consumer's (in ``group``), on fresh databases with their tables."""
    producer_url, consumer_url = urls
    producer = ServiceRuntime(
        "producer", ServiceSettings(database_url=producer_url), bootstrap_servers=bootstrap
    )
    consumer = ServiceRuntime(
        "probe", ServiceSettings(database_url=consumer_url, consumer_group=group), bootstrap_servers=bootstrap
    )
    await producer.database.create_all()
    await consumer.database.create_all(ProbeBase.metadata)
    return producer, consumer


async def werkplaats_path(
    bootstrap: str, events: Events, urls: tuple[str, str], workdir: Path, *, separate: bool = False
) -> Measured:
    """Events per second from committing to a producer's outbox to effects in a consumer's database.

    ``urls`` are the producer's and the consumer's fresh databases. ``separate`` runs the consumer as
    ``python -m benchmarks.probe``, in a process of its own. One event goes through first, so the
    consumer has joined its group before the clock starts.
    """
    topic = await fresh_topic(bootstrap, "runtime")
    group = f"c-{uuid.uuid4().hex[:8]}"
    _, consumer_url = urls
    producer, consumer = await producer_and_consumer(bootstrap, urls, group)
    process = probe_process(topic, consumer_url, bootstrap, group, workdir) if separate else None
    if process is None:
        attach(consumer, topic)
        await consumer.start()
    await producer.start()
    try:
        await stage(producer.database, topic, probe_events(1, run="warm"))
        await until_effects(consumer, 1, process)
        clock = Clock(None if process is None else process.pid)
        await stage(producer.database, topic, events)
        await until_effects(consumer, len(events) + 1, process)
        measured = clock.stop(len(events))
        if await count_effects(consumer.database) != (len(events) + 1, len(events) + 1):
            raise AssertionError("an event had more than one effect, or none")
        return measured
    finally:
        await producer.stop()
        if process is None:
            await consumer.stop()
        else:
            process.terminate()
            await asyncio.to_thread(process.wait, 20)
            await consumer.database.dispose()


def probe_process(
    topic: str, database_url: str, bootstrap: str, group: str, workdir: Path
) -> subprocess.Popen[bytes]:
    """The probe consumer started in a process of its own, logging to ``workdir``."""
    command = [sys.executable, "-m", "benchmarks.probe", "--topic", topic, "--database-url", database_url]
    command += ["--bootstrap", bootstrap, "--group", group]
    with (workdir / "probe.log").open("ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=log)  # noqa: S603 - our own module, no shell


async def until_effects(
    consumer: ServiceRuntime, wanted: int, process: subprocess.Popen[bytes] | None, timeout: float = 600
) -> None:
    """Wait until the consumer's database has ``wanted`` effects; fail if its process exits or time's up."""
    deadline = time.perf_counter() + timeout
    while not await has_effects(consumer.database, wanted):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the probe consumer exited with {process.returncode}")
        if time.perf_counter() > deadline:
            raise TimeoutError(f"fewer than {wanted:,} effects after {timeout:.0f} s")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def fresh_databases(kind: str, workdir: Path, postgres_url: str) -> AsyncIterator[tuple[str, str]]:
    """A producer's and a consumer's fresh database URLs: SQLite files, or scratch PostgreSQL databases."""
    if kind == "sqlite":
        run = uuid.uuid4().hex[:8]
        yield (
            f"sqlite+aiosqlite:///{workdir / f'p-{run}.db'}",
            f"sqlite+aiosqlite:///{workdir / f'c-{run}.db'}",
        )
        return
    async with AsyncExitStack() as scratch:
        producer = await scratch.enter_async_context(scratch_database(postgres_url))
        consumer = await scratch.enter_async_context(scratch_database(postgres_url))
        yield sqlalchemy_url(producer), sqlalchemy_url(consumer)


async def run_benchmark(
    bootstrap: str,
    *,
    events: int = 20_000,
    rounds: int = 3,
    separate: bool = True,
    databases: Sequence[str] = ("sqlite",),
    postgres_url: str = POSTGRES_URL,
) -> RuntimeResult:
    """Alternate the paths ``rounds`` times on the same broker and events; medians and their ratios."""
    unknown = set(databases) - set(DATABASES)
    if unknown:
        raise ValueError(f"unknown databases {sorted(unknown)}; use {', '.join(DATABASES)}")
    batch = probe_events(events, run=uuid.uuid4().hex[:8])
    raw: list[Measured] = []
    ours: dict[str, list[Measured]] = {kind: [] for kind in databases}
    apart: dict[str, list[Measured]] = {kind: [] for kind in databases}
    with tempfile.TemporaryDirectory(prefix="werkplaats-bench-") as workdir:
        for _ in range(rounds):
            raw.append(await raw_loop(bootstrap, batch))
            for kind in databases:
                async with fresh_databases(kind, Path(workdir), postgres_url) as urls:
                    ours[kind].append(await werkplaats_path(bootstrap, batch, urls, Path(workdir)))
                if separate:
                    async with fresh_databases(kind, Path(workdir), postgres_url) as urls:
                        apart[kind].append(
                            await werkplaats_path(bootstrap, batch, urls, Path(workdir), separate=True)
                        )
    paths = tuple(
        PathRates(DATABASES[kind], medians(ours[kind]), medians(apart[kind]) if separate else None)
        for kind in databases
    )
    return RuntimeResult(events, rounds, medians(raw), paths, machine(), load_average())


def medians(rounds: Sequence[Measured]) -> Measured:
    """The median rate and the median CPU per event of ``rounds``."""
    return Measured(median([r.per_s for r in rounds]), median([r.cpu_us for r in rounds]))
