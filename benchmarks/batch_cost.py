"""What the runtime's single-record operations cost on PostgreSQL, counted in bare round trips.

Run ``python -m benchmarks.batch_cost --postgres URL [--repeats N]``. On a scratch database each operation
runs ``N`` times, one record at a time, on a warm pooled connection: the consumer's batch (inbox claim,
effect, commit), committing one event to the outbox, a relay pass over one row, an idle relay pass. The
baseline, in the same run: one bare round trip (a prepared ``SELECT 1`` on a plain asyncpg connection).
Each is reported as wall time, CPU of this process and CPU of its server backend (read from ``/proc``:
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


async def measure(operation: Operation, repeats: int, backends: Callable[[], Awaitable[list[int]]]) -> Cost:
    """Run ``operation`` once to warm it, then ``repeats`` times; the cost of one run."""
    await operation(-1)
    pids = await backends()
    server, client, wall = cpu_seconds(pids), time.process_time(), time.perf_counter()
    for n in range(repeats):
        await operation(n)
    wall, client = time.perf_counter() - wall, time.process_time() - client
    server = cpu_seconds(pids) - server
    return Cost(wall / repeats * 1e6, client / repeats * 1e6, server / repeats * 1e6)


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


async def runtime_operations(url: str, repeats: int) -> dict[str, Cost]:
    """The runtime's single-record operations on the pool of one ``Database``."""
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

        return await _measure_each(database, repeats, backends)
    finally:
        await admin.close()
        await database.dispose()


async def _measure_each(
    database: Database, repeats: int, backends: Callable[[], Awaitable[list[int]]]
) -> dict[str, Cost]:
    async def nothing_refused(_: Any) -> None:
        return None

    async def no_dead_letters(*_: Any) -> None:
        raise AssertionError("nothing here is dead-lettered")

    consumer = EventConsumer(
        "probe", database, SqlUnitOfWork, record_effect, no_dead_letters, Metrics("probe")
    )
    relay = OutboxRelay(database, nothing_refused)
    deliveries = [
        [Delivery("probe.topic", 0, n, None, encode_event(event), {})]
        for n, event in enumerate(probe_events(repeats + 1, run="batch-cost"))
    ]

    async def consume(n: int) -> None:
        await consumer.process(deliveries[n + 1])

    async def commit_one(_: int) -> None:
        await stage(database, "probe.topic", probe_events(1, run="batch-cost"))

    async def relay_one(_: int) -> None:
        await stage(database, "probe.topic", probe_events(1, run="batch-cost"))
        await relay.relay_once()

    return {
        "consumer, one-record batch (inbox claim, effect, commit)": await measure(consume, repeats, backends),
        "committing one event to the outbox": await measure(commit_one, repeats, backends),
        "committing one event, then a relay pass over it": await measure(relay_one, repeats, backends),
        "idle relay pass": await measure(lambda _: relay.relay_once(), repeats, backends),
    }


async def run(postgres_url: str, repeats: int) -> str:
    """Every operation and the bare trip, as a table for docs/benchmarks.md."""
    async with scratch_database(postgres_url) as url:
        trip = await bare_trip(url, repeats)
        costs = await runtime_operations(url, repeats)
    rows = [trip.row("bare round trip (prepared `SELECT 1`), the baseline", trip)]
    rows += [cost.row(name, trip) for name, cost in costs.items()]
    return "\n".join(
        [
            f"Command: `python -m benchmarks.batch_cost --repeats {repeats}`",
            "",
            f"Machine: {machine()}. {repeats} runs of each, after one to warm it; "
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
    args = parser.parse_args()
    print(asyncio.run(run(args.postgres, args.repeats)))


if __name__ == "__main__":
    main()
