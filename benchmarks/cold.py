"""``werkplaats bench cold --restore``: a new scheduler on an empty database, from a snapshot or from scratch.

N activities are published and placed by a scheduler process; its database is dumped with its consumer
groups' offsets (``werkplaats backup dump``) and it stops; M more are published. Then a NEW scheduler
process gets an empty database restored from the dump (``werkplaats backup restore``: the groups go back
to the dump's offsets, so only the M are read) and is timed until all N+M are placed, against a scheduler
replaying every partner topic from the start on another empty database in the same run. The restored
instance must announce no conflict twice, and end with the open conflicts the replay finds. Last, it is
restarted on its intact database: seconds until ready, and until one more activity is placed.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, select

from benchmarks.notifications import Run, start_at_end, until
from benchmarks.processes import ServiceProcess, sqlalchemy_url
from benchmarks.report import machine
from benchmarks.scheduling.kafka import send_all
from benchmarks.scheduling.pipeline import encoded
from benchmarks.scheduling.postgres import scratch_database
from benchmarks.scheduling.synthetic import World
from benchmarks.shape import load_average, progress
from contracts.topics import (
    SCHEDULING_CONFLICTS,
    SCHEDULING_PLACEMENTS,
    all_service_topics,
    partner_activities,
    partner_topics,
)
from scheduling.domain import AMSTERDAM, Activity
from scheduling.main import SERVICE
from scheduling.settings import SchedulingSettings
from scheduling.store import ConflictRow, ZoneMemberRow
from werkplaats.db import Database
from werkplaats.follower import topic_partitions
from werkplaats.outbox import OutboxRow
from werkplaats.recovery import dump_service, restore_service
from werkplaats.replay import committed_offsets, read_topic
from werkplaats.topics_admin import ensure_topics


@dataclass(frozen=True)
class Phases:
    """Seconds of each phase of the path from a snapshot, and the replay's in the same run."""

    first_placed_s: float
    dump_s: float
    restore_s: float
    restored_up_s: float
    """From starting the process until ``/health`` answers."""
    restored_placed_s: float
    """From ``/health`` answering until all N+M are placed."""
    restored_view_s: float
    """From ``/health`` answering until the agenda view has read the whole agenda."""
    replay_placed_s: float
    restart_ready_s: float
    restart_placed_s: float


@dataclass(frozen=True)
class ConflictCheck:
    """The conflicts on the topic and in the databases: none announced twice, the same ones open."""

    announced: int
    announced_twice: int
    open_restored: int
    open_replayed: int
    same_open: bool


@dataclass(frozen=True)
class FromSnapshot:
    """One database's figures for ``bench cold --restore``."""

    database: str
    before: int
    after: int
    phases: Phases
    conflicts: ConflictCheck
    load: str

    @property
    def ratio(self) -> float:
        """How many times faster the restored instance placed everything than the replay from scratch."""
        p = self.phases
        return p.replay_placed_s / (p.restore_s + p.restored_up_s + p.restored_placed_s)

    def row(self) -> str:
        """One table row."""
        p, c = self.phases, self.conflicts
        return (
            f"| {self.database} | {self.before:,} + {self.after:,} | {p.dump_s:.1f} | {p.restore_s:.1f} | "
            f"{p.restored_up_s:.1f} | {p.restored_placed_s:.1f} | {p.restored_view_s:.1f} | "
            f"{p.replay_placed_s:.1f} | "
            f"**{self.ratio:.1f}** | {p.restart_ready_s:.1f} | {p.restart_placed_s:.2f} | "
            f"{c.announced:,} / {c.announced_twice} | {c.open_restored:,} = {c.open_replayed:,}: "
            f"{'yes' if c.same_open else '**no**'} | {self.load} |"
        )


HEADER = (
    "| database | activities before + after the dump | dump s | restore s | restored: process up s | "
    "then all placed s | then view loaded s | replay from scratch: all placed s | ratio | "
    "restart: ready after s | restart: next placed after s | conflicts announced / twice | "
    "open: restored = replay | load average |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
)


def report(results: list[FromSnapshot], before: int, after: int, databases: str) -> str:
    """The results as a section of docs/benchmarks.md."""
    return "\n".join(
        [
            f"Command: `werkplaats bench cold --restore --activities {before} --later {after} "
            f"--databases {databases}`",
            "",
            f"Machine: {machine()}.",
            "",
            HEADER,
            *(result.row() for result in results),
        ]
    )


class ColdRun:
    """What one measurement shares: the run's names, its activities, the producer, the work directory."""

    def __init__(self, bootstrap: str, kind: str, workdir: Path, postgres_url: str) -> None:
        self.bootstrap, self.kind, self.workdir, self.postgres_url = bootstrap, kind, workdir, postgres_url
        self.run = Run.new()
        self.org = self.run.org("burst")
        self.world = World.for_size(1, datetime.now(AMSTERDAM).date(), self.run.first_wijk)
        self.rng = random.Random(self.run.tag)
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
        self.sent = 0
        self.processes: list[ServiceProcess] = []

    def size(self, total: int) -> None:
        """Spread the run's activities over about one wijk per 500, as the other benchmarks do."""
        self.world = World.for_size(total, self.world.start, self.run.first_wijk)

    async def publish(self, count: int) -> None:
        """Publish ``count`` more activities of the run's organisation."""
        activities: list[Activity] = [
            self.world.activity(self.rng, f"c{self.sent + i}", organisation=self.org, venue_share=0.0)
            for i in range(count)
        ]
        await send_all(self.producer, partner_activities(self.org), encoded(activities))
        self.sent += count

    def settings(self, url: str, group: str) -> SchedulingSettings:
        """The settings a scheduler process of this run gets (also for dump and restore)."""
        return SchedulingSettings(
            database_url=url, consumer_group=group, partner_topic_pattern=self.run.partner_pattern
        )

    def scheduler(self, url: str, group: str) -> ServiceProcess:
        """A scheduler process on ``url`` in ``group`` (not started)."""
        process = ServiceProcess(
            "scheduling",
            {
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "WERKPLAATS_DATA_DIR": str(self.workdir),
                "WERKPLAATS_LOG_LEVEL": "WARNING",
                "SCHEDULING_DATABASE_URL": url,
                "SCHEDULING_CONSUMER_GROUP": group,
                "SCHEDULING_PARTNER_TOPIC_PATTERN": self.run.partner_pattern,
            },
            self.workdir / f"scheduling-{len(self.processes) + 1}.log",
        )
        self.processes.append(process)
        return process

    async def wait_placed(self, url: str, wanted: int, timeout: float) -> float:
        """Wait until ``wanted`` of the run's activities are placed in ``url``; the ``perf_counter`` then."""
        database = Database(url)
        try:
            await until(lambda: placed(database, self.org, wanted), timeout, f"{wanted:,} placements")
        finally:
            await database.engine.dispose()
        return time.perf_counter()


async def placed(database: Database, organisation: str, wanted: int) -> bool:
    """Whether ``wanted`` zone placements of ``organisation`` are committed."""
    async with database.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(ZoneMemberRow).where(ZoneMemberRow.organisation == organisation)
        )
    return int(count or 0) >= wanted


async def open_conflicts(url: str, organisation: str) -> set[str]:
    """The ids of the open conflicts of ``organisation`` in the scheduler database at ``url``."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            rows = await connection.execute(
                select(ConflictRow.conflict_id, ConflictRow.organisations).where(ConflictRow.status == "open")
            )
            return {conflict_id for conflict_id, organisations in rows if organisation in organisations}
    finally:
        await database.engine.dispose()


async def announced(bootstrap: str, organisation: str) -> dict[str, set[str]]:
    """For each conflict of ``organisation`` on the conflicts topic, the ids of its ``conflict.detected``."""
    found: dict[str, set[str]] = defaultdict(set)
    async for record in read_topic(bootstrap, SCHEDULING_CONFLICTS):
        event = json.loads(record.value or b"{}")
        data = event.get("data", {})
        if event.get("type") == "conflict.detected" and any(
            member.get("organisation") == organisation for member in data.get("activities", ())
        ):
            found[data["conflict_id"]].add(event["event_id"])
    return found


async def ready(process: ServiceProcess, timeout: float = 600) -> float:
    """Wait until the process's agenda view has read the whole agenda; the ``perf_counter`` then."""

    async def following() -> bool:
        async with httpx.AsyncClient(timeout=5) as client:
            report = (await client.get(f"http://127.0.0.1:{process.port}/health/ready")).json()
        return bool(report.get("agenda_view", {}).get("state") == "following")

    await until(following, timeout, "the agenda view loaded")
    return time.perf_counter()


async def outbox_empty(url: str) -> bool:
    """Whether the scheduler on ``url`` has published every outbox row."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            pending = await connection.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None))
            )
    finally:
        await database.engine.dispose()
    return not pending


async def consumed(bootstrap: str, group: str, topics: list[str]) -> bool:
    """Whether ``group`` has committed every record now in ``topics``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [p for topic in topics for p in await topic_partitions(consumer, topic)]
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    committed = await committed_offsets(bootstrap, group)
    return all(committed.get(partition, 0) >= end for partition, end in ends.items() if end)


async def settled(run: ColdRun, url: str, group: str) -> None:
    """Wait until the scheduler on ``url`` has done all it will with what was sent: nothing in flight.

    Intake has committed every partner record, the outbox is empty, the detector has committed every
    placement, and the outbox is empty again.
    """
    steps: list[tuple[str, Callable[[], Awaitable[bool]]]] = [
        ("intake", lambda: consumed(run.bootstrap, f"{group}-intake", [partner_activities(run.org)])),
        ("outbox", lambda: outbox_empty(url)),
        ("detector", lambda: consumed(run.bootstrap, f"{group}-detector", [SCHEDULING_PLACEMENTS])),
        ("outbox", lambda: outbox_empty(url)),
    ]
    for what, step in steps:
        await until(step, 300, f"{group}: {what} settled")


@asynccontextmanager
async def empty_databases(kind: str, workdir: Path, postgres_url: str) -> AsyncIterator[Callable[[str], str]]:
    """Empty scheduler databases of ``kind`` by name (first, restored, replayed), dropped afterwards."""
    names = ("first", "restored", "replayed")
    if kind == "sqlite":
        yield lambda name: f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"
        return
    async with AsyncExitStack() as stack:
        made = {
            name: sqlalchemy_url(await stack.enter_async_context(scratch_database(postgres_url)))
            for name in names
        }
        yield made.__getitem__


async def from_snapshot(
    bootstrap: str, kind: str, before: int, after: int, postgres_url: str
) -> FromSnapshot:
    """Measure the path from a snapshot and the replay from scratch on one kind of database."""
    with tempfile.TemporaryDirectory(prefix="werkplaats-cold-") as name:
        workdir = Path(name)
        async with empty_databases(kind, workdir, postgres_url) as database:
            run = ColdRun(bootstrap, kind, workdir, postgres_url)
            run.size(before + after)
            await ensure_topics(bootstrap, [*all_service_topics(), *partner_topics(run.org)])
            await run.producer.start()
            try:
                return await _measure(run, database, before, after)
            finally:
                for process in run.processes:
                    await process.stop()
                await run.producer.stop()


async def _measure(run: ColdRun, database: Callable[[str], str], before: int, after: int) -> FromSnapshot:
    group, dump_path = f"bench-c-{run.run.tag}", run.workdir / "scheduling.dump"
    progress(f"{run.kind}: {before:,} activities placed by a first scheduler ...")
    await run.publish(before)
    await start_at_end(run.bootstrap, f"{group}-detector")
    started = time.perf_counter()
    first = run.scheduler(database("first"), group)
    await first.start()
    first_placed = await run.wait_placed(database("first"), before, max(600.0, before / 5))
    await settled(run, database("first"), group)
    progress("  dumped with its offsets; it stops; more activities are published ...")
    dumping = time.perf_counter()
    await dump_service(SERVICE, run.settings(database("first"), group), dump_path, bootstrap=run.bootstrap)
    dump_s = time.perf_counter() - dumping
    await first.stop()
    await run.publish(after)
    progress("  a new scheduler on an empty database restored from the dump ...")
    restoring = time.perf_counter()
    await restore_service(
        SERVICE, run.settings(database("restored"), group), dump_path, bootstrap=run.bootstrap
    )
    restore_s = time.perf_counter() - restoring
    starting = time.perf_counter()
    restored = run.scheduler(database("restored"), group)
    await restored.start()
    up = time.perf_counter()
    restored_placed, restored_view = await asyncio.gather(
        run.wait_placed(database("restored"), before + after, max(600.0, after / 5)), ready(restored)
    )
    await settled(run, database("restored"), group)
    seen = await announced(run.bootstrap, run.org)
    progress("  restarted on its intact database ...")
    await restored.stop()
    restarting = time.perf_counter()
    again = run.scheduler(database("restored"), group)
    await again.start()
    healthy = time.perf_counter()
    await run.publish(1)
    next_placed = await run.wait_placed(database("restored"), before + after + 1, 120)
    open_restored = await open_conflicts(database("restored"), run.org)
    await again.stop()
    load = load_average()
    progress(f"  the same {run.sent:,} replayed from scratch on another empty database ...")
    await start_at_end(run.bootstrap, f"{group}-replay-detector")
    replaying = time.perf_counter()
    replay = run.scheduler(database("replayed"), f"{group}-replay")
    await replay.start()
    replay_placed = await run.wait_placed(database("replayed"), run.sent, max(600.0, run.sent / 5))
    await settled(run, database("replayed"), f"{group}-replay")
    open_replayed = await open_conflicts(database("replayed"), run.org)
    await replay.stop()
    phases = Phases(
        first_placed - started,
        dump_s,
        restore_s,
        up - starting,
        restored_placed - up,
        restored_view - up,
        replay_placed - replaying,
        healthy - restarting,
        next_placed - healthy,
    )
    check = ConflictCheck(
        len(seen),
        sum(1 for ids in seen.values() if len(ids) > 1),
        len(open_restored),
        len(open_replayed),
        open_restored == open_replayed,
    )
    return FromSnapshot(run.kind, before, after, phases, check, load)
