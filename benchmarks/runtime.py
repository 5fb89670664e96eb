"""Events per second through outbox → Kafka → idempotent consumer, against a raw aiokafka loop."""

from __future__ import annotations

import asyncio
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

    @property
    def ratio(self) -> float:
        """Werkplaats throughput as a share of the raw loop's."""
        return self.werkplaats_per_s / self.raw_per_s

    def markdown(self) -> str:
        """The result as a table for docs/benchmarks.md."""
        return "\n".join(
            [
                f"Machine: {self.machine}. {self.events:,} events, median of {self.rounds} rounds.",
                "",
                "| path | events/s |",
                "|---|---|",
                f"| raw aiokafka produce → consume loop | {self.raw_per_s:,.0f} |",
                f"| outbox → relay → Kafka → idempotent consumer (SQLite) | {self.werkplaats_per_s:,.0f} |",
                f"| **ratio** | **{self.ratio:.2f}** |",
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


async def werkplaats_path(bootstrap: str, events: int, workdir: Path) -> float:
    """Events per second from committing to a producer's outbox to effects in a consumer's database."""
    topic = await _topic(bootstrap, "runtime")
    run = uuid.uuid4().hex[:8]
    producer = ServiceRuntime(
        "producer",
        ServiceSettings(database_url=f"sqlite+aiosqlite:///{workdir / f'p-{run}.db'}"),
        bootstrap_servers=bootstrap,
    )
    consumer = ServiceRuntime(
        "probe",
        ServiceSettings(
            database_url=f"sqlite+aiosqlite:///{workdir / f'c-{run}.db'}", consumer_group=f"c-{run}"
        ),
        bootstrap_servers=bootstrap,
    )
    await producer.database.create_all()
    await consumer.database.create_all(ProbeBase.metadata)
    attach(consumer, topic)
    await consumer.start()
    await producer.start()
    try:
        started = time.perf_counter()
        await stage_events(producer.database, topic, events, run=run)
        while await effects_so_far(consumer.database) < events:  # noqa: ASYNC110 - the effects are in a database
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        if await count_effects(consumer.database) != (events, events):
            raise AssertionError("an event had more than one effect")
        return events / elapsed
    finally:
        await producer.stop()
        await consumer.stop()


async def run_benchmark(bootstrap: str, *, events: int = 20_000, rounds: int = 3) -> RuntimeResult:
    """Alternate both paths ``rounds`` times on the same broker; medians and their ratio."""
    raw: list[float] = []
    ours: list[float] = []
    with tempfile.TemporaryDirectory(prefix="werkplaats-bench-") as workdir:
        for _ in range(rounds):
            raw.append(await raw_loop(bootstrap, events))
            ours.append(await werkplaats_path(bootstrap, events, Path(workdir)))
    return RuntimeResult(events, rounds, median(raw), median(ours), machine())
