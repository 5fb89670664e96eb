"""The runtime at a steady rate: each batch holds one record, so the cost per batch shows.

Events are published one at a time at ``rate`` per second, for ``duration`` seconds: through a raw
aiokafka producer and consumer (the baseline), and through a producer's outbox (one transaction per
event, as an API call commits) → relay → Kafka → the idempotent probe consumer in a process of its own
(the production shape). Each reports publish → handled latency and the CPU time per event of its
processes (idle polling included: at a steady rate it is part of what an event costs).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks.probe import count_effects, handled_times, probe_events, probe_key, stage
from benchmarks.report import machine, median, percentile
from benchmarks.runtime import (
    DATABASES,
    POSTGRES_URL,
    Clock,
    Events,
    cpu_seconds,
    fresh_databases,
    fresh_topic,
    load_average,
    probe_process,
    producer_and_consumer,
    until_effects,
)
from contracts import encode_event
from werkplaats.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class SteadyMeasured:
    """One path at a steady rate: publish → handled latency and CPU time per event."""

    events: int
    p50_ms: float
    p99_ms: float
    cpu_us: float
    """CPU microseconds per event of the path's processes (the broker's not counted)."""
    consumer_cpu_us: float | None = None
    """Of which the consumer's own process (the production shape only)."""

    def cells(self) -> str:
        """Latency and CPU as table cells."""
        consumer = "—" if self.consumer_cpu_us is None else f"{self.consumer_cpu_us:,.0f}"
        return f"{self.p50_ms:.1f} | {self.p99_ms:.1f} | {self.cpu_us:,.0f} | {consumer}"


def latencies(sent: dict[str, float], handled: dict[str, float]) -> SteadyMeasured:
    """Percentiles of handled minus sent, per event; every sent event must have been handled."""
    missing = set(sent) - set(handled)
    if missing:
        raise AssertionError(f"{len(missing)} events were never handled")
    waits = [(handled[event_id] - at) * 1000 for event_id, at in sent.items()]
    return SteadyMeasured(len(sent), percentile(waits, 0.5), percentile(waits, 0.99), 0.0)


async def until_tick(start: float, seq: int, rate: float) -> None:
    """Sleep until tick ``seq`` of a clock started at ``start``."""
    delay = start + seq / rate - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


async def raw_steady(bootstrap: str, events: Events, rate: float) -> SteadyMeasured:
    """A plain producer and consumer in one process, one event every ``1 / rate`` seconds."""
    topic = await fresh_topic(bootstrap, "raw-steady")
    group = f"raw-{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest"
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=2)
    payloads = {encode_event(event): str(event.event_id) for event in events}
    sent: dict[str, float] = {}
    handled: dict[str, float] = {}
    await consumer.start()
    await producer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)

        async def consume() -> None:
            while len(handled) < len(events):
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
                now = time.time()
                for batch in batches.values():
                    handled.update((payloads[record.value], now) for record in batch)
                if batches:
                    await consumer.commit()

        reading = asyncio.create_task(consume())
        clock, start = Clock(), time.perf_counter()
        for seq, (payload, event_id) in enumerate(payloads.items()):
            await until_tick(start, seq, rate)
            sent[event_id] = time.time()
            await producer.send(topic, payload, key=probe_key(seq).encode())
        await asyncio.wait_for(reading, timeout=60)
        cpu = clock.stop(len(events)).cpu_us
    finally:
        await producer.stop()
        await consumer.stop()
    return _with_cpu(latencies(sent, handled), cpu)


async def werkplaats_steady(
    bootstrap: str, events: Events, rate: float, urls: tuple[str, str], workdir: Path
) -> SteadyMeasured:
    """One outbox transaction per event every ``1 / rate`` seconds; the probe consumer in its own process."""
    topic = await fresh_topic(bootstrap, "runtime-steady")
    group = f"c-{uuid.uuid4().hex[:8]}"
    _, consumer_url = urls
    producer, consumer = await producer_and_consumer(bootstrap, urls, group)
    process = probe_process(topic, consumer_url, bootstrap, group, workdir)
    await producer.start()
    sent: dict[str, float] = {}
    try:
        await stage(producer.database, topic, probe_events(1, run="warm"))
        await until_effects(consumer, 1, process)
        clock, start = Clock(process.pid), time.perf_counter()
        consumer_cpu = cpu_seconds(process.pid)
        for seq, event in enumerate(events):
            await until_tick(start, seq, rate)
            sent[str(event.event_id)] = time.time()
            async with producer.database.unit_of_work(SqlUnitOfWork) as unit:
                unit.publish(topic, event, key=probe_key(seq))
        await until_effects(consumer, len(events) + 1, process)
        cpu = clock.stop(len(events)).cpu_us
        consumer_cpu = (cpu_seconds(process.pid) - consumer_cpu) / len(events) * 1e6
        if await count_effects(consumer.database) != (len(events) + 1, len(events) + 1):
            raise AssertionError("an event had more than one effect, or none")
        measured = latencies(sent, await handled_times(consumer.database))
    finally:
        await producer.stop()
        process.terminate()
        await asyncio.to_thread(process.wait, 20)
        await consumer.database.dispose()
    return _with_cpu(measured, cpu, consumer_cpu)


@dataclass(frozen=True)
class SteadyResult:
    """Each path at a steady rate (medians over the rounds), and the load it ran under."""

    rate: float
    duration: float
    rounds: int
    raw: SteadyMeasured
    paths: tuple[tuple[str, SteadyMeasured], ...]
    machine: str
    load: str

    def markdown(self) -> str:
        """The result as a table for docs/benchmarks.md."""
        rows = [f"| raw aiokafka produce → consume loop, one process | — | {self.raw.cells()} | 1.0 |"]
        rows += [
            f"| outbox → relay → Kafka → idempotent consumer in its own process | {database} | "
            f"{path.cells()} | {path.cpu_us / self.raw.cpu_us:.1f} |"
            for database, path in self.paths
        ]
        return "\n".join(
            [
                f"Machine: {self.machine}. {self.rate:g} events/s for {self.duration:g} s (one record per "
                f"batch), median of {self.rounds} rounds; load average {self.load}.",
                "",
                "| path | database | publish → handled p50 ms | p99 ms | CPU µs per event "
                "| of which the consumer process | CPU to the raw loop's |",
                "|---|---|---:|---:|---:|---:|---:|",
                *rows,
            ]
        )


async def run_steady(
    bootstrap: str,
    *,
    rate: float,
    duration: float,
    rounds: int = 1,
    databases: Sequence[str] = ("sqlite",),
    postgres_url: str = POSTGRES_URL,
) -> SteadyResult:
    """The raw loop and the Werkplaats path on each database at ``rate`` events/s, ``rounds`` times."""
    unknown = set(databases) - set(DATABASES)
    if unknown:
        raise ValueError(f"unknown databases {sorted(unknown)}; use {', '.join(DATABASES)}")
    count = max(1, round(rate * duration))
    raw: list[SteadyMeasured] = []
    ours: dict[str, list[SteadyMeasured]] = {kind: [] for kind in databases}
    with tempfile.TemporaryDirectory(prefix="werkplaats-bench-") as workdir:
        for _ in range(rounds):
            raw.append(await raw_steady(bootstrap, probe_events(count, run=uuid.uuid4().hex[:8]), rate))
            for kind in databases:
                events = probe_events(count, run=uuid.uuid4().hex[:8])
                async with fresh_databases(kind, Path(workdir), postgres_url) as urls:
                    ours[kind].append(await werkplaats_steady(bootstrap, events, rate, urls, Path(workdir)))
    paths = tuple((DATABASES[kind], steady_medians(ours[kind])) for kind in databases)
    return SteadyResult(rate, duration, rounds, steady_medians(raw), paths, machine(), load_average())


def steady_medians(rounds: Sequence[SteadyMeasured]) -> SteadyMeasured:
    """The median of each figure over ``rounds``."""
    return SteadyMeasured(
        rounds[0].events,
        median([r.p50_ms for r in rounds]),
        median([r.p99_ms for r in rounds]),
        median([r.cpu_us for r in rounds]),
        None if rounds[0].consumer_cpu_us is None else median([r.consumer_cpu_us or 0.0 for r in rounds]),
    )


def _with_cpu(
    measured: SteadyMeasured, cpu_us: float, consumer_cpu_us: float | None = None
) -> SteadyMeasured:
    return SteadyMeasured(measured.events, measured.p50_ms, measured.p99_ms, cpu_us, consumer_cpu_us)


async def steady_command(
    bootstrap: str, rate: float, duration: float, rounds: int, databases: str, postgres_url: str
) -> str:
    """``werkplaats bench runtime --rate``: the command line and the table."""
    kinds = [kind.strip() for kind in databases.split(",") if kind.strip()]
    result = await run_steady(
        bootstrap, rate=rate, duration=duration, rounds=rounds, databases=kinds, postgres_url=postgres_url
    )
    command = (
        f"werkplaats bench runtime --rate {rate:g} --duration {duration:g} --rounds {rounds} "
        f"--databases {databases}"
    )
    return f"Command: `{command}`\n\n{result.markdown()}"
