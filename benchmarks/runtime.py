"""Events per second through outbox → Kafka → idempotent consumer, against a raw aiokafka loop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks.probe import ProbeBase, ProbeRecorded, attach, count_effects, effects_so_far, stage_events
from benchmarks.report import machine, median
from contracts import encode_event, new_event
from contracts.topics import TopicSpec, dead_letter_spec
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings
from werkplaats.topics_admin import ensure_topics

PARTITIONS = 6


@dataclass(frozen=True)
class RuntimeResult:
    """Median events per second of each path over the rounds."""

    events: int
    rounds: int
    raw_per_s: float
    werkplaats_per_s: float
    machine: str
    separate_per_s: float | None = None
    """The same path with the consumer in a process of its own (as services run), if measured."""

    @property
    def ratio(self) -> float:
        """Werkplaats throughput as a share of the raw loop's."""
        return self.werkplaats_per_s / self.raw_per_s

    @property
    def separate_ratio(self) -> float | None:
        """Throughput with the consumer in its own process, as a share of the raw loop's."""
        return None if self.separate_per_s is None else self.separate_per_s / self.raw_per_s

    def markdown(self) -> str:
        """The result as a table for docs/benchmarks.md."""
        return "\n".join(
            [
                f"Machine: {self.machine}. {self.events:,} events, median of {self.rounds} rounds.",
                "",
                "| path | events/s |",
                "|---|---|",
                f"| raw aiokafka produce → consume loop | {self.raw_per_s:,.0f} |",
                f"| outbox → relay → Kafka → idempotent consumer (SQLite), one process | "
                f"{self.werkplaats_per_s:,.0f} |",
                f"| **ratio, one process** | **{self.ratio:.2f}** |",
                *(
                    [
                        f"| the same, consumer in its own process | {self.separate_per_s:,.0f} |",
                        f"| **ratio, consumer in its own process** | **{self.separate_ratio:.2f}** |",
                    ]
                    if self.separate_per_s is not None
                    else []
                ),
            ]
        )


async def _topic(bootstrap: str, prefix: str) -> str:
    name = f"bench.{prefix}.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [TopicSpec(name, PARTITIONS), dead_letter_spec(name)])
    return name


async def raw_loop(bootstrap: str, events: int) -> float:
    """Events per second of a plain producer and consumer moving the same payloads."""
    topic = await _topic(bootstrap, "raw")
    payloads = [
        encode_event(new_event(ProbeRecorded(run="raw", seq=i), source="probe")) for i in range(events)
    ]
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
        started = time.perf_counter()
        sends = [
            await producer.send(topic, payload, key=str(i % 64).encode())
            for i, payload in enumerate(payloads)
        ]
        received = 0
        while received < events:
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            received += sum(len(batch) for batch in batches.values())
            if batches:
                await consumer.commit()
        await asyncio.gather(*sends)
        return events / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def werkplaats_path(bootstrap: str, events: int, workdir: Path, *, separate: bool = False) -> float:
    """Events per second from committing to a producer's outbox to effects in a consumer's database.

    ``separate`` runs the consumer as ``python -m benchmarks.probe``, in a process of its own. One
    event goes through first, so the consumer has joined its group before the clock starts.
    """
    topic = await _topic(bootstrap, "runtime")
    run = uuid.uuid4().hex[:8]
    consumer_url = f"sqlite+aiosqlite:///{workdir / f'c-{run}.db'}"
    producer = ServiceRuntime(
        "producer",
        ServiceSettings(database_url=f"sqlite+aiosqlite:///{workdir / f'p-{run}.db'}"),
        bootstrap_servers=bootstrap,
    )
    consumer = ServiceRuntime(
        "probe",
        ServiceSettings(database_url=consumer_url, consumer_group=f"c-{run}"),
        bootstrap_servers=bootstrap,
    )
    await producer.database.create_all()
    await consumer.database.create_all(ProbeBase.metadata)
    process = _probe_process(topic, consumer_url, bootstrap, f"c-{run}", workdir) if separate else None
    if process is None:
        attach(consumer, topic)
        await consumer.start()
    await producer.start()
    try:
        await stage_events(producer.database, topic, 1, run=f"{run}-warm")
        await _until_effects(consumer, 1, process)
        started = time.perf_counter()
        await stage_events(producer.database, topic, events, run=run)
        await _until_effects(consumer, events + 1, process)
        elapsed = time.perf_counter() - started
        if await count_effects(consumer.database) != (events + 1, events + 1):
            raise AssertionError("an event had more than one effect")
        return events / elapsed
    finally:
        await producer.stop()
        if process is None:
            await consumer.stop()
        else:
            process.terminate()
            await asyncio.to_thread(process.wait, 20)
            await consumer.database.dispose()


def _probe_process(
    topic: str, database_url: str, bootstrap: str, group: str, workdir: Path
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "benchmarks.probe", "--topic", topic, "--database-url", database_url]
    command += ["--bootstrap", bootstrap, "--group", group]
    with (workdir / "probe.log").open("ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=log)  # noqa: S603 - our own module, no shell


async def _until_effects(
    consumer: ServiceRuntime, wanted: int, process: subprocess.Popen[bytes] | None, timeout: float = 600
) -> None:
    deadline = time.perf_counter() + timeout
    while await effects_so_far(consumer.database) < wanted:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the probe consumer exited with {process.returncode}")
        if time.perf_counter() > deadline:
            raise TimeoutError(f"fewer than {wanted:,} effects after {timeout:.0f} s")
        await asyncio.sleep(0.02)


async def run_benchmark(
    bootstrap: str, *, events: int = 20_000, rounds: int = 3, separate: bool = True
) -> RuntimeResult:
    """Alternate the paths ``rounds`` times on the same broker; medians and their ratios."""
    raw: list[float] = []
    ours: list[float] = []
    apart: list[float] = []
    with tempfile.TemporaryDirectory(prefix="werkplaats-bench-") as workdir:
        for _ in range(rounds):
            raw.append(await raw_loop(bootstrap, events))
            ours.append(await werkplaats_path(bootstrap, events, Path(workdir)))
            if separate:
                apart.append(await werkplaats_path(bootstrap, events, Path(workdir), separate=True))
    return RuntimeResult(
        events, rounds, median(raw), median(ours), machine(), median(apart) if apart else None
    )
