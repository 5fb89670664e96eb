"""How a consumer's fetch settings shape the intake's first hop at a steady rate, all measured at once.

``python -m benchmarks.scheduling.fetch_wait --rate 100 --duration 10`` publishes records at a steady rate
to a partner topic on the broker of ``KAFKA_BOOTSTRAP_SERVERS``, read at the same time by three consumer
processes of their own groups: one fetching as the runtime's defaults and the scheduler's intake do (64 KiB
or 10 ms), one answered at the first byte (or 10 ms), one at the first byte with a 500 ms hold. Each
consumes as FastStream's batch subscriber does (``getmany`` with a 25 ms poll, a sleep of the poll after
an empty one) and spends the CPU a scheduler batch costs (``--batch-ms`` per batch plus ``--record-ms``
per record, busy), so all meet the same machine at the same moment. Reported: publish → handled p50 /
p90 / p99 and records per batch.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks.report import machine, quantiles_ms
from contracts.topics import partner_activities, partner_topics
from werkplaats.settings import ServiceSettings
from werkplaats.topics_admin import ensure_topics

POLL_MS = ServiceSettings().poll_timeout_ms
"""The consumers' poll timeout (the runtime's default, the intake's)."""


@dataclass(frozen=True)
class Fetching:
    """One way of fetching: bytes a fetch waits for and the longest it waits."""

    name: str
    min_bytes: int
    max_wait_ms: int


_RUNTIME = ServiceSettings()
BATCHING = Fetching("64 KiB or 10 ms (the intake's)", _RUNTIME.fetch_min_bytes, _RUNTIME.fetch_max_wait_ms)
FIRST_BYTE = Fetching("first byte, or 10 ms", 1, _RUNTIME.fetch_max_wait_ms)
LONG_POLL = Fetching("first byte, or 500 ms", 1, 500)
"""The first byte with a long hold: quiet topics cost two fetches a second, but a fetch in flight leaves
out the partitions whose records still wait in the consumer, and what arrives there waits for it."""


@dataclass(frozen=True)
class Outcome:
    """What one consumer saw: each record's publish → handled seconds and its batch sizes."""

    fetching: Fetching
    latencies: tuple[float, ...]
    batches: tuple[int, ...]
    cpu_s: float

    @property
    def records_per_batch(self) -> float:
        """Mean records per handled batch."""
        return sum(self.batches) / len(self.batches) if self.batches else float("nan")

    def row(self) -> str:
        """One table row."""
        p50, p90, p99 = quantiles_ms(self.latencies, 0.5, 0.9, 0.99)
        cpu_ms = self.cpu_s * 1e3 / len(self.latencies) if self.latencies else float("nan")
        return (
            f"| {self.fetching.name} | {len(self.latencies):,} | {p50:.1f} | {p90:.1f} | {p99:.1f} | "
            f"{self.records_per_batch:.1f} | {cpu_ms:.2f} |"
        )


def spin(seconds: float) -> None:
    """Keep the CPU busy for ``seconds`` of this process's CPU time."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


async def consume(
    bootstrap: str,
    topic: str,
    fetching: Fetching,
    expected: int,
    cost: tuple[float, float],
    ready: Connection,
) -> Outcome:
    """Consume ``expected`` records as FastStream's batch subscriber does, spending ``cost`` per batch."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-fetch-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="latest",
        fetch_min_bytes=fetching.min_bytes,
        fetch_max_wait_ms=fetching.max_wait_ms,
    )
    await consumer.start()
    latencies: list[float] = []
    batches: list[int] = []
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        for partition in consumer.assignment():
            await consumer.position(partition)  # resolved now: records sent from here on are read
        ready.send(True)
        started = time.process_time()
        while len(latencies) < expected:
            fetched = await consumer.getmany(timeout_ms=POLL_MS, max_records=500)
            if not fetched:
                await asyncio.sleep(POLL_MS / 1000)  # as FastStream's batch subscriber does
                continue
            records = [record for part in fetched.values() for record in part]
            spin(cost[0] + cost[1] * len(records))
            now = time.time()
            latencies.extend(now - float(record.value or b"0") for record in records)
            batches.append(len(records))
        return Outcome(fetching, tuple(latencies), tuple(batches), time.process_time() - started)
    finally:
        await consumer.stop()


def _consumer_process(
    bootstrap: str, topic: str, fetching: Fetching, expected: int, cost: tuple[float, float], pipe: Connection
) -> None:
    pipe.send(asyncio.run(consume(bootstrap, topic, fetching, expected, cost, pipe)))


async def publish(bootstrap: str, topic: str, rate: float, count: int) -> None:
    """Send ``count`` records at ``rate`` a second, each carrying the moment it was sent."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    try:
        started = time.perf_counter()
        for index in range(count):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await producer.send(topic, str(time.time()).encode(), key=f"a{index}".encode())
        await producer.flush()
    finally:
        await producer.stop()


def run(
    bootstrap: str, rate: float, duration: float, cost: tuple[float, float], ways: Sequence[Fetching]
) -> list[Outcome]:
    """Both consumers at once over the same steady stream; their outcomes in the order of ``ways``."""
    organisation = f"bench-fetch-{uuid.uuid4().hex[:8]}"
    topic = partner_activities(organisation)
    asyncio.run(ensure_topics(bootstrap, partner_topics(organisation)))
    count = max(1, round(rate * duration))
    context = multiprocessing.get_context("fork")  # spawned, it would import from the caller's sys.path
    pipes, processes = [], []
    for way in ways:
        mine, theirs = context.Pipe()
        process = context.Process(
            target=_consumer_process, args=(bootstrap, topic, way, count, cost, theirs), daemon=True
        )
        process.start()
        pipes.append(mine)
        processes.append(process)
    for pipe in pipes:
        if not pipe.poll(120) or pipe.recv() is not True:
            raise TimeoutError("a consumer did not join within 120 s")
    asyncio.run(publish(bootstrap, topic, rate, count))
    outcomes = []
    for pipe, process in zip(pipes, processes, strict=True):
        if not pipe.poll(max(60.0, duration * 3)):
            raise TimeoutError("a consumer did not read every record")
        outcomes.append(pipe.recv())
        process.join(30)
    return outcomes


def markdown(outcomes: Sequence[Outcome], command: str) -> str:
    """The outcomes as a table for docs/benchmarks.md."""
    return "\n".join(
        [
            f"Command: `{command}`",
            "",
            f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f}.",
            "",
            "| fetching | records | publish → handled p50 ms | p90 ms | p99 ms | records per batch "
            "| consumer CPU ms per record |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *(outcome.row() for outcome in outcomes),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--batch-ms", type=float, default=7.5, help="CPU a batch costs whatever its size")
    parser.add_argument("--record-ms", type=float, default=1.6, help="CPU each record adds to its batch")
    options = parser.parse_args(argv)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    cost = (options.batch_ms / 1000, options.record_ms / 1000)
    outcomes = run(bootstrap, options.rate, options.duration, cost, (BATCHING, FIRST_BYTE, LONG_POLL))
    command = (
        f"python -m benchmarks.scheduling.fetch_wait --rate {options.rate:g} --duration {options.duration:g} "
        f"--batch-ms {options.batch_ms:g} --record-ms {options.record_ms:g}"
    )
    print(markdown(outcomes, command))


if __name__ == "__main__":
    main()
