"""The intake consumer's cost per single-record batch, against a batch of many and the runtime's floor.

``python -m benchmarks.scheduling.single_record --database sqlite|postgresql`` drives the scheduler's own
intake consumer (``EventConsumer.process`` with the handler and prepare step ``subscribe`` registers,
inline detection, the inbox claim and the commit; no Kafka, no outbox relay) over the steady run's
agenda of ``werkplaats bench shape``: anchors, then probes that each overlap one anchor (a
high-severity conflict with suggestions). Each probe is a batch of its own, as at 100 activities/s;
the baselines are the same number of probes in batches of ``--batch``, and the runtime's minimal
consumer (``benchmarks.probe``: the inbox claim, one row, the commit) one record per batch on the same
database. Reported: process CPU per record (the database driver's thread included) and SQL statements
per batch.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks.notifications import Run, pair
from benchmarks.probe import ProbeBase, ProbeRecorded, probe_events, record_effect
from benchmarks.processes import sqlalchemy_url
from benchmarks.report import machine
from benchmarks.scheduling.postgres import scratch_database
from contracts import ActivityPublished, encode_event, new_event
from contracts.areas import load_areas
from contracts.topics import partner_activities
from scheduling.domain import AMSTERDAM, Agenda
from scheduling.main import migrations_location
from scheduling.service.detector import ZoneDetector
from scheduling.service.intake import Intake
from scheduling.store import SqlSchedulingUnitOfWork
from scheduling.subscribers import subscribe
from werkplaats.consumer import EventConsumer
from werkplaats.db import Database
from werkplaats.deadletter import Delivery
from werkplaats.logging import configure_logging
from werkplaats.metrics import Metrics
from werkplaats.migrations import upgrade
from werkplaats.unit_of_work import SqlUnitOfWork

HORIZON = timedelta(days=365)


@dataclass(frozen=True)
class Cost:
    """CPU and statements of a number of activities taken in, in batches of one size."""

    batch: int
    activities: int
    cpu_s: float
    statements: int

    @property
    def cpu_ms_per_activity(self) -> float:
        """Process CPU per activity (ms)."""
        return self.cpu_s * 1e3 / self.activities

    @property
    def statements_per_batch(self) -> float:
        """SQL statements per batch."""
        return self.statements * self.batch / self.activities


class _Registrations:
    """Stands in for the service runtime while ``subscribe`` registers the scheduler's consumers."""

    consumer_group = "bench"

    def __init__(self) -> None:
        self.consumers: dict[str, dict[str, Any]] = {}

    def consume(self, *_topics: str, name: str, **options: Any) -> None:
        self.consumers[name] = options


async def _no_dead_letters(delivery: Delivery, reason: str, _error_type: str) -> None:
    raise AssertionError(f"{delivery.topic}@{delivery.offset} was dead-lettered: {reason}")


def intake_consumer(database: Database) -> EventConsumer[SqlSchedulingUnitOfWork]:
    """The scheduler's intake consumer with inline detection, as ``create_service`` wires it."""

    def new_agenda(zone: str | None) -> Agenda:
        return Agenda(horizon=HORIZON, owner_zone=zone)

    detector = ZoneDetector(new_agenda, load_areas())
    intake = Intake(horizon=HORIZON, place=detector.apply)
    registrations = _Registrations()
    subscribe(registrations, intake, detector, partner_pattern="", inline=True)  # type: ignore[arg-type]
    options = registrations.consumers["scheduling-intake"]
    return EventConsumer(
        name="scheduling-intake",
        database=database,
        unit_of_work=SqlSchedulingUnitOfWork,
        handler=options["handler"],
        prepare=options["prepare"],
        accept=options["accept"],
        dead_letter=_no_dead_letters,
        metrics=Metrics("scheduling"),
    )


def probe_consumer(database: Database) -> EventConsumer[SqlUnitOfWork]:
    """The runtime's minimal consumer: the inbox claim, one row per event, the commit."""
    return EventConsumer(
        name="probe",
        database=database,
        unit_of_work=SqlUnitOfWork,
        handler=record_effect,
        accept=frozenset({ProbeRecorded.event_type}),
        dead_letter=_no_dead_letters,
        metrics=Metrics("probe"),
    )


def probe_records(count: int) -> list[Delivery]:
    """``count`` probe events of the runtime's minimal service, as records of one partition."""
    return [
        Delivery("bench.probe", 0, offset, None, encode_event(event), {})
        for offset, event in enumerate(probe_events(count, run="single-record"))
    ]


class Deliveries:
    """Partner records of one run, numbered as a partition would number them."""

    def __init__(self, run: Run) -> None:
        self.run, self.offset = run, 0
        self.today = datetime.now(AMSTERDAM).date()

    def of(self, role: str, indexes: range) -> list[Delivery]:
        """The records of ``role``'s activities ``indexes`` (anchors or probes of ``pair``)."""
        return [self._record(role, pair(self.run, index, role, self.today)) for index in indexes]

    def _record(self, role: str, activity: ActivityPublished) -> Delivery:
        organisation = self.run.org(role)
        value = encode_event(new_event(activity, source=organisation))
        self.offset += 1
        return Delivery(
            partner_activities(organisation), 0, self.offset, activity.activity_id.encode(), value, {}
        )


@contextlib.contextmanager
def counting(database: Database) -> Any:
    """Count the SQL statements sent while the block runs."""
    sent = [0]

    def seen(*_: Any) -> None:
        sent[0] += 1

    event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", seen)


async def take_in(consumer: EventConsumer[Any], records: Sequence[Delivery], batch: int) -> Cost:
    """Process ``records`` in batches of ``batch``; their CPU time and statements."""
    with counting(consumer.database) as sent:
        cpu = time.process_time()
        for start in range(0, len(records), batch):
            await consumer.process(records[start : start + batch])
        cpu = time.process_time() - cpu
    return Cost(batch, len(records), cpu, sent[0])


@contextlib.asynccontextmanager
async def database_of(kind: str, postgres_url: str) -> AsyncIterator[Database]:
    """A fresh, migrated scheduling database of ``kind``."""
    async with contextlib.AsyncExitStack() as stack:
        if kind == "sqlite":
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="werkplaats-single-")))
            url = f"sqlite+aiosqlite:///{workdir / 'scheduling.db'}"
        else:
            url = sqlalchemy_url(await stack.enter_async_context(scratch_database(postgres_url)))
        database = Database(url)
        stack.push_async_callback(database.dispose)
        await upgrade(database, migrations_location())
        await database.create_all(ProbeBase.metadata)
        yield database


async def measure(kind: str, *, anchors: int, probes: int, batch: int, postgres_url: str) -> list[Cost]:
    """The runtime's floor, then the scheduler: ``probes`` one per batch and as many in batches of ``batch``.

    Anchors come first; the halves of each alternate. ``anchors`` must be at least ``2 * probes + 20``:
    each probe overlaps the anchor of its number.
    """
    run = Run.new()
    records = Deliveries(run)
    async with database_of(kind, postgres_url) as database:
        floor = probe_records(probes + 20)
        runtime = probe_consumer(database)
        await take_in(runtime, floor[:20], 1)  # warm up
        floor_cost = await take_in(runtime, floor[20:], 1)
        consumer = intake_consumer(database)
        await take_in(consumer, records.of("anchor", range(anchors)), 500)
        await take_in(consumer, records.of("probe", range(2 * probes, 2 * probes + 20)), 1)  # warm up
        half, costs = probes // 2, []
        for first in (0, half):
            single = records.of("probe", range(first, first + half))
            batched = records.of("probe", range(probes + first, probes + first + half))
            costs += [await take_in(consumer, single, 1), await take_in(consumer, batched, batch)]
    return [floor_cost] + [_total([c for c in costs if c.batch == size]) for size in (1, batch)]


def _total(costs: list[Cost]) -> Cost:
    return Cost(
        costs[0].batch,
        sum(c.activities for c in costs),
        sum(c.cpu_s for c in costs),
        sum(c.statements for c in costs),
    )


def markdown(kind: str, costs: list[Cost]) -> str:
    """One database's rows: the runtime's floor, a single record, and a record in a batch of many."""
    floor, single, batched = costs
    rows = [
        ("runtime's minimal consumer", floor),
        ("scheduler", single),
        ("scheduler", batched),
    ]
    return "\n".join(
        f"| {kind} | {who} | {c.batch} | {c.activities:,} | {c.cpu_ms_per_activity:.2f} | "
        f"{c.statements_per_batch:.1f} | {c.cpu_ms_per_activity / batched.cpu_ms_per_activity:.1f} |"
        for who, c in rows
    )


HEADER = (
    "| database | consumer | records per batch | records | CPU ms per record | statements per batch "
    "| CPU ratio to a record in a batch |\n|---|---|---:|---:|---:|---:|---:|"
)


async def main(arguments: argparse.Namespace) -> None:
    """Measure each database asked for and print the table."""
    configure_logging("scheduling", level="WARNING")
    rows = []
    for kind in arguments.databases.split(","):
        costs = await measure(
            kind,
            anchors=arguments.anchors,
            probes=arguments.probes,
            batch=arguments.batch,
            postgres_url=arguments.postgres,
        )
        rows.append(markdown(kind, costs))
    print(
        f"Command: `python -m benchmarks.scheduling.single_record --databases {arguments.databases} "
        f"--anchors {arguments.anchors} --probes {arguments.probes} --batch {arguments.batch}`\n\n"
        f"Machine: {machine()}\n\n{HEADER}\n" + "\n".join(rows)
    )


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite", help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--anchors", type=int, default=1000, help="activities on the agenda first")
    parser.add_argument("--probes", type=int, default=400, help="probes measured in each batch size")
    parser.add_argument("--batch", type=int, default=100, help="records per batch of the baseline")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL to create a scratch database in",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
