"""The scheduler on a real broker: publish → ``conflict.detected`` latency, and burst throughput vs raw."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from benchmarks.report import percentile
from benchmarks.scheduling.agenda import progress
from benchmarks.scheduling.kafka import (
    ConflictTail,
    committed_lag,
    delete_topics,
    publish_steadily,
    raw_consume,
    send_all,
)
from benchmarks.scheduling.synthetic import World, buurt_codes, wijk_code
from contracts import ActivityKind, ActivityPublished, CentreVenue, TargetGroup, encode_event, new_event
from contracts.topics import (
    PARTNER_ACTIVITIES_PATTERN,
    SCHEDULING_PLACEMENTS,
    partner_activities,
    partner_topics,
)
from scheduling.domain import AMSTERDAM, Activity
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling.store import ActivityRow, ZoneMemberRow
from werkplaats.runtime import ServiceRuntime
from werkplaats.topics_admin import ensure_topics

PAIRS_PER_WIJK = 50
CAUGHT_UP_LAG = 10
POLL_S = 0.25


@dataclass(frozen=True)
class LatencyResult:
    """Publish → ``conflict.detected`` latencies of activities sent at a steady rate."""

    rate: float
    duration_s: float
    sent: int
    received: int
    p50_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True)
class ThroughputResult:
    """A burst through the scheduler against a raw consume loop over the same messages."""

    burst: int
    raw_s: float
    intake_s: float
    scheduler_s: float

    @property
    def ratio(self) -> float:
        """Scheduler throughput as a share of the raw loop's."""
        return self.raw_s / self.scheduler_s


@dataclass(frozen=True)
class PipelineResult:
    """Both broker measurements, and what the scheduler replayed before them."""

    latency: LatencyResult
    throughput: ThroughputResult
    replayed: int
    catch_up_s: float


@dataclass
class Run:
    """One benchmark run's names: organisations, consumer group and a block of fresh wijken."""

    bootstrap: str
    tag: str
    first_wijk: int

    @classmethod
    def new(cls, bootstrap: str) -> Run:
        """Return a run with unique names."""
        return cls(bootstrap, uuid.uuid4().hex[:8], random.randrange(0, 80_000))

    def org(self, role: str) -> str:
        """Return the organisation slug of ``role`` in this run."""
        return f"bench-{self.tag}-{role}"

    @property
    def group(self) -> str:
        """The scheduler's consumer group."""
        return f"bench-scheduling-{self.tag}"


def published(activity: Activity) -> ActivityPublished:
    """Return the ``activity.published`` payload of a domain activity."""
    venue = CentreVenue(venue_id=activity.venue_id, room=activity.room) if activity.venue_id else None
    return ActivityPublished(
        activity_id=activity.activity_id,
        title=f"Bench {activity.activity_id}",
        kind=activity.kind,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        recurrence=activity.recurrence,
        neighbourhoods=list(activity.neighbourhoods),
        venue=venue,
        target_groups=sorted(activity.target_groups),
    )


def encoded(activities: Sequence[Activity]) -> list[tuple[bytes, bytes]]:
    """Return ``(key, value)`` records of the activities as their organiser publishes them."""
    return [
        (a.activity_id.encode(), encode_event(new_event(published(a), source=a.organisation)))
        for a in activities
    ]


def pair(run: Run, index: int, role: str, today: date) -> Activity:
    """Return one half of a designed conflict: an anchor 10:00-12:00, a probe 10:30-11:30, one buurt.

    Pairs sit in their own (wijk, week), on a weekday morning, so each probe meets exactly its anchor.
    """
    wijk = wijk_code(run.first_wijk + index // PAIRS_PER_WIJK)
    monday = today + timedelta(days=14 - today.weekday() + 7 * (index % PAIRS_PER_WIJK))
    start = clock(10) if role == "anchor" else clock(10, 30)
    starts_at = datetime.combine(monday + timedelta(days=1), start, tzinfo=AMSTERDAM)
    length = timedelta(hours=2 if role == "anchor" else 1)
    return Activity(
        organisation=run.org(role),
        activity_id=f"{role}{index}",
        kind=ActivityKind.CONSULTATION,
        starts_at=starts_at,
        ends_at=starts_at + length,
        neighbourhoods=(buurt_codes(wijk)[0],),
        target_groups=frozenset({TargetGroup.TENANTS}),
    )


async def scheduler_lag(run: Run) -> int:
    """Messages the scheduler's intake and detector have still to handle."""
    intake = await committed_lag(run.bootstrap, f"{run.group}-intake", PARTNER_ACTIVITIES_PATTERN)
    detector = await committed_lag(
        run.bootstrap, f"{run.group}-detector", rf"^{re.escape(SCHEDULING_PLACEMENTS)}$"
    )
    return intake + detector


async def catch_up(run: Run, runtime: ServiceRuntime, timeout: float = 900.0) -> tuple[int, float]:
    """Wait until the scheduler has replayed the broker's history; the messages replayed and seconds."""
    started = time.perf_counter()
    replayed = await scheduler_lag(run)
    quiet = 0
    while quiet < 2:
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"the scheduler did not catch up within {timeout:.0f} s")
        await asyncio.sleep(1.0)
        lag = await scheduler_lag(run)
        quiet = quiet + 1 if lag <= CAUGHT_UP_LAG and await runtime.relay.pending() == 0 else 0
        progress(f"  catching up: {lag:,} messages behind")
    return replayed, time.perf_counter() - started


async def count_rows(runtime: ServiceRuntime, row: type[ActivityRow] | type[ZoneMemberRow], org: str) -> int:
    """Rows of ``org`` in one of the scheduler's tables."""
    async with runtime.database.engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(row).where(row.organisation == org))
    return int(count or 0)


async def wait_for_rows(
    runtime: ServiceRuntime,
    row: type[ActivityRow] | type[ZoneMemberRow],
    org: str,
    wanted: int,
    timeout: float,
) -> float:
    """Wait until ``org`` has ``wanted`` rows; the moment (``perf_counter``) it was seen."""
    deadline = time.perf_counter() + timeout
    while await count_rows(runtime, row, org) < wanted:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{org}: fewer than {wanted:,} {row.__tablename__} rows after {timeout:.0f} s")
        await asyncio.sleep(POLL_S)
    return time.perf_counter()


async def measure_latency(
    run: Run, runtime: ServiceRuntime, producer: AIOKafkaProducer, rate: float, duration: float
) -> LatencyResult:
    """Anchors first; then probes at ``rate`` per second, each overlapping its anchor; time to detection."""
    count = max(1, round(rate * duration))
    today = datetime.now(AMSTERDAM).date()
    anchors = encoded([pair(run, i, "anchor", today) for i in range(count)])
    probes = encoded([pair(run, i, "probe", today) for i in range(count)])
    progress(f"latency: placing {count:,} anchors in {math.ceil(count / PAIRS_PER_WIJK)} fresh wijken ...")
    await send_all(producer, partner_activities(run.org("anchor")), anchors)
    await wait_for_rows(runtime, ZoneMemberRow, run.org("anchor"), count, timeout=300)
    tail = ConflictTail(run.bootstrap, run.org("probe"))
    tail.expected = count
    await tail.start()
    try:
        progress(f"latency: {count:,} probes at {rate:g}/s ...")
        sent = await publish_steadily(producer, partner_activities(run.org("probe")), probes, rate)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tail.all_received.wait(), timeout=30)
    finally:
        await tail.stop()
    latencies = [tail.received[key] - moment for key, moment in sent.items() if key in tail.received]
    if not latencies:
        raise RuntimeError("no probe's conflict was detected")
    return LatencyResult(
        rate,
        duration,
        count,
        len(latencies),
        percentile(latencies, 0.5) * 1e3,
        percentile(latencies, 0.99) * 1e3,
        max(latencies) * 1e3,
    )


async def measure_throughput(
    run: Run, runtime: ServiceRuntime, producer: AIOKafkaProducer, burst: int
) -> ThroughputResult:
    """Publish ``burst`` activities at once; seconds until all are stored and placed, and the raw loop's."""
    org, topic = run.org("burst"), partner_activities(run.org("burst"))
    first_wijk = run.first_wijk + 1_000
    world = World.for_size(burst, datetime.now(AMSTERDAM).date(), first_wijk)
    rng = random.Random(burst)
    activities = [world.activity(rng, f"b{i}", organisation=org, venue_share=0.0) for i in range(burst)]
    records = encoded(activities)
    progress(f"throughput: burst of {burst:,} activities in {world.wijken:,} fresh wijken ...")
    started = time.perf_counter()
    sending = asyncio.create_task(send_all(producer, topic, records))
    timeout = max(300.0, burst / 50)
    intake_done = await wait_for_rows(runtime, ActivityRow, org, burst, timeout)
    placed = await wait_for_rows(runtime, ZoneMemberRow, org, burst, timeout)
    await sending
    progress("throughput: the raw consume loop over the same records ...")
    raw_s = await raw_consume(run.bootstrap, topic, burst, f"bench-raw-{run.tag}")
    return ThroughputResult(burst, raw_s, intake_done - started, placed - started)


async def run_pipeline(
    bootstrap: str, *, rate: float = 100, duration: float = 30, burst: int = 100_000
) -> PipelineResult:
    """Run the scheduler in-process (fresh SQLite, unique group), let it catch up, then measure both."""
    run = Run.new(bootstrap)
    roles = ("anchor", "probe", "burst")
    specs = [spec for role in roles for spec in partner_topics(run.org(role))]
    await ensure_topics(bootstrap, specs)
    with tempfile.TemporaryDirectory(prefix="werkplaats-bench-") as workdir:
        settings = SchedulingSettings(
            database_url=f"sqlite+aiosqlite:///{Path(workdir) / 'scheduling.db'}", consumer_group=run.group
        )
        runtime = create_runtime(settings, bootstrap_servers=bootstrap)
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=2
        )
        await runtime.start()
        await producer.start()
        try:
            progress(f"scheduler started (group {run.group}); waiting until it has replayed the broker ...")
            replayed, catch_up_s = await catch_up(run, runtime)
            latency = await measure_latency(run, runtime, producer, rate, duration)
            throughput = await measure_throughput(run, runtime, producer, burst)
        finally:
            await producer.stop()
            await runtime.stop()
            await delete_topics(bootstrap, [spec.name for spec in specs])
    return PipelineResult(latency, throughput, replayed, catch_up_s)
