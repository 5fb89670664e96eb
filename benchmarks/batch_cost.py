"""What the runtime's operations cost on PostgreSQL, counted in bare round trips.

Run ``python -m benchmarks.batch_cost --postgres URL [--repeats N] [--records R]``. On a scratch database
each operation runs ``N`` times on a warm pooled connection, ``R`` records at a time (default one; a
burst's batches hold hundreds): the consumer's batch (inbox claim, effects, commit), committing events to
the outbox, a relay pass over them, and (one record at a time) an idle relay pass. The baseline, in the
same run: one bare round trip (a prepared ``SELECT 1`` on a plain asyncpg connection). Each is reported
per record as wall time, CPU of this process and CPU of its server backend (read from ``/proc``:
PostgreSQL on this machine), and the CPU of both as a multiple of the bare trip's.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from benchmarks.probe import ProbeBase, probe_events, record_effect, stage
from benchmarks.processes import sqlalchemy_url
from benchmarks.report import machine
from benchmarks.runtime import POSTGRES_URL, load_average
from benchmarks.scheduling.postgres import plain_dsn, scratch_database
from benchmarks.shape import cpu_seconds
from contracts import encode_event
from werkplaats.consumer import EventConsumer
from werkplaats.db import Database
from werkplaats.deadletter import Delivery
from werkplaats.metrics import Metrics
from werkplaats.outbox import OutboxRelay
from werkplaats.unit_of_work import SqlUnitOfWork

Operation = Callable[[int], Awaitable[Any]]


@dataclass(frozen=True)
class Cost:
    """Per operation: wall time, this process's CPU and the server backend's CPU, in microseconds."""

    wall_us: float
    client_cpu_us: float
    server_cpu_us: float

    @property
    def cpu_us(self) -> float:
        """CPU of both sides."""
        return self.client_cpu_us + self.server_cpu_us

    def row(self, name: str, trip: Cost) -> str:
        """A table row, with the CPU of both sides as a multiple of one bare round trip's."""
        return (
            f"| {name} | {self.wall_us:,.0f} | {self.client_cpu_us:,.0f} | {self.server_cpu_us:,.0f} "
            f"| {self.cpu_us / trip.cpu_us:.1f} |"
        )


async def measure(
    operation: Operation, repeats: int, backends: Callable[[], Awaitable[list[int]]], *, records: int = 1
) -> Cost:
    """Run ``operation`` once to warm it, then ``repeats`` times; the cost of one of its ``records``."""
    await operation(-1)
    pids = await backends()
    server, client, wall = cpu_seconds(pids), time.process_time(), time.perf_counter()
    for n in range(repeats):
        await operation(n)
    wall, client = time.perf_counter() - wall, time.process_time() - client
    server = cpu_seconds(pids) - server
    runs = repeats * records
    return Cost(wall / runs * 1e6, client / runs * 1e6, server / runs * 1e6)


async def bare_trip(url: str, repeats: int) -> Cost:
    """One prepared ``SELECT 1`` on a plain asyncpg connection: the floor of any statement."""
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        select_one = await connection.prepare("SELECT 1")

        async def trip(_: int) -> None:
            await select_one.fetchval()

        async def backend() -> list[int]:
            return [connection.get_server_pid()]

        return await measure(trip, repeats, backend)
    finally:
        await connection.close()


async def runtime_operations(url: str, repeats: int, records: int = 1) -> dict[str, Cost]:
    """The runtime's operations on the pool of one ``Database``, ``records`` records at a time."""
    database = Database(sqlalchemy_url(url))
    admin = await asyncpg.connect(plain_dsn(url))
    try:
        await database.create_all(ProbeBase.metadata)

        async def backends() -> list[int]:
            rows = await admin.fetch(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in rows]

        return await _measure_each(database, repeats, backends, records)
    finally:
        await admin.close()
        await database.dispose()


async def _measure_each(
    database: Database, repeats: int, backends: Callable[[], Awaitable[list[int]]], records: int
) -> dict[str, Cost]:
    async def nothing_refused(_: Any) -> None:
        return None

    async def no_dead_letters(*_: Any) -> None:
        raise AssertionError("nothing here is dead-lettered")

    consumer = EventConsumer(
        "probe", database, SqlUnitOfWork, record_effect, no_dead_letters, Metrics("probe")
    )
    relay = OutboxRelay(database, nothing_refused, batch_size=max(records, 1000))
    encoded = [encode_event(event) for event in probe_events((repeats + 1) * records, run="batch-cost")]
    deliveries = [
        [
            Delivery("probe.topic", 0, n, None, value, {})
            for n, value in enumerate(encoded[at : at + records], at)
        ]
        for at in range(0, len(encoded), records)
    ]

    async def consume(n: int) -> None:
        await consumer.process(deliveries[n + 1])

    staged = probe_events(records, run="batch-cost")  # built once: making events is not the runtime's work

    async def commit(_: int) -> None:
        await stage(database, "probe.topic", staged, batch=records)

    async def commit_and_relay(_: int) -> None:
        await commit(_)
        await relay.relay_once()

    def each(operation: Operation) -> Awaitable[Cost]:
        return measure(operation, repeats, backends, records=records)

    if records == 1:
        return {
            "consumer, one-record batch (inbox claim, effect, commit)": await each(consume),
            "committing one event to the outbox": await each(commit),
            "committing one event, then a relay pass over it": await each(commit_and_relay),
            "idle relay pass": await each(lambda _: relay.relay_once()),
        }
    return {
        f"consumer, batch of {records} records (inbox claim, effects, commit), per record": await each(
            consume
        ),
        f"committing {records} events to the outbox in one transaction, per event": await each(commit),
        "the same, then a relay pass over them, per event": await each(commit_and_relay),
    }


async def run(postgres_url: str, repeats: int, records: int = 1) -> str:
    """Every operation and the bare trip, as a table for docs/benchmarks.md."""
    async with scratch_database(postgres_url) as url:
        trip = await bare_trip(url, repeats)
        costs = await runtime_operations(url, repeats, records)
    rows = [trip.row("bare round trip (prepared `SELECT 1`), the baseline", trip)]
    rows += [cost.row(name, trip) for name, cost in costs.items()]
    return "\n".join(
        [
            f"Command: `python -m benchmarks.batch_cost --repeats {repeats}"
            + (f" --records {records}`" if records > 1 else "`"),
            "",
            f"Machine: {machine()}. {repeats} runs of each, {records} record(s) a run, after one to warm it; "
            f"load average {load_average()}.",
            "",
            "| operation on PostgreSQL | wall µs | CPU µs, this process | CPU µs, server backend "
            "| CPU of both, in bare round trips |",
            "|---|---:|---:|---:|---:|",
            *rows,
        ]
    )


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=POSTGRES_URL, help="PostgreSQL to create a scratch database in")
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--records", type=int, default=1, help="records per batch, transaction and pass")
    args = parser.parse_args()
    print(asyncio.run(run(args.postgres, args.repeats, args.records)))


if __name__ == "__main__":
    main()
