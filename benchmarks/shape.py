"""``werkplaats bench shape``: scheduler and notifications as separate processes, as in production.

The load generator, the conflict tail and the webhook receiver run in the benchmark's own process; the
scheduler and notifications each run as ``werkplaats run NAME`` with a fresh database (SQLite files, or
scratch PostgreSQL databases). Measured: partner publish → ``conflict.detected`` and partner publish →
signed webhook at a steady rate, and a burst through one and then two scheduler processes against a raw
aiokafka consume loop over the same records; each in the detection modes asked for (inline, partitioned),
with the scheduler processes' CPU time per activity (from ``/proc``, so a busy machine inflates it less
than the latencies).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from benchmarks import hops
from benchmarks.notifications import (
    MARKER_WIJK,
    SECRET,
    Run,
    WebhookReceiver,
    pair,
    start_at_end,
    until,
)
from benchmarks.processes import ServiceProcess, sqlalchemy_url
from benchmarks.report import machine, quantiles_ms
from benchmarks.scheduling.kafka import ConflictTail, raw_consume, send_all
from benchmarks.scheduling.pipeline import encoded
from benchmarks.scheduling.postgres import scratch_database
from benchmarks.scheduling.synthetic import World
from contracts import ActivityPublished, OrganisationRole, encode_event, new_event
from contracts.topics import all_service_topics, partner_activities, partner_topics
from notifications.service import subscriptions as manage
from scheduling.domain import AMSTERDAM
from scheduling.store import ZoneMemberRow
from werkplaats.db import Database
from werkplaats.organisations import add_organisation
from werkplaats.topics_admin import ensure_topics

ROLES = ("anchor", "probe", "marker", "burst", "scaled")
INTAKE_BATCHES = 'werkplaats_batch_seconds_count{consumer="scheduling-intake"}'
"""The Prometheus sample counting the intake consumer's batches."""


def progress(message: str) -> None:
    """Say what the benchmark is doing, on stderr."""
    print(message, flush=True, file=sys.stderr)


@dataclass(frozen=True)
class Spread:
    """p50, p99 and max of a set of latencies, in milliseconds, and how many there were."""

    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Spread:
        """The spread of ``seconds``."""
        return cls(len(seconds), *quantiles_ms(seconds, 0.5, 0.99, 1.0))


@dataclass(frozen=True)
class Burst:
    """A burst placed and checked by ``schedulers`` processes, against the raw loop over the same records."""

    schedulers: int
    activities: int
    raw_s: float
    scheduler_s: float
    cpu_ms: float = float("nan")
    """Scheduler CPU time per activity, all its processes together (ms)."""

    @property
    def ratio(self) -> float:
        """The scheduler's rate as a share of the raw loop's."""
        return self.raw_s / self.scheduler_s


@dataclass
class ShapeResult:
    """One database's figures: steady latencies and bursts."""

    database: str
    rate: float
    duration_s: float
    detection: str = "inline"
    sent: int = 0
    detected: Spread = field(default_factory=lambda: Spread.of([]))
    webhook: Spread = field(default_factory=lambda: Spread.of([]))
    steady_cpu_ms: float = float("nan")
    """Scheduler CPU time per probe during the steady run (ms)."""
    steady_batches: float = float("nan")
    """Batches the scheduler's intake consumer processed during the steady run."""
    path_hops: list[hops.Hop] = field(default_factory=list)
    """publish → conflict.detected split at the conflict's ``occurred_at`` and its record's timestamp."""
    hop_durations: list[tuple[float, float, float]] = field(default_factory=list)
    """Each probe's three hops, in seconds (they add up to its publish → read latency)."""
    published: dict[str, float] = field(default_factory=dict)
    """When each probe was published (epoch seconds)."""
    bursts: list[Burst] = field(default_factory=list)
    load: str = ""

    @property
    def steady_records_per_batch(self) -> float:
        """Records per intake batch in the steady run (1: each probe paid a batch of its own)."""
        return self.sent / self.steady_batches if self.steady_batches else float("nan")

    @property
    def steady_cpu_ms_per_batch(self) -> float:
        """Scheduler CPU time per intake batch in the steady run (ms): what each batch costs the process."""
        return self.steady_cpu_ms * self.steady_records_per_batch


@dataclass(frozen=True)
class Options:
    """What to measure."""

    rate: float = 100
    duration: float = 10
    burst: int = 10_000
    databases: tuple[str, ...] = ("sqlite", "postgresql")
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    scale_out: bool = True
    detection: tuple[str, ...] = ("inline",)
    """The scheduler's detection modes to measure, each with processes of its own."""


def load_average() -> str:
    """The 1-minute load average, as text."""
    return f"{os.getloadavg()[0]:.1f}"


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes ``pids`` have used so far (Linux ``/proc``; NaN elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@asynccontextmanager
async def databases(kind: str, workdir: Path, postgres_url: str) -> AsyncIterator[tuple[str, str]]:
    """Fresh scheduling and notifications database URLs of ``kind``."""
    if kind == "sqlite":
        yield (
            f"sqlite+aiosqlite:///{workdir / 'scheduling.db'}",
            f"sqlite+aiosqlite:///{workdir / 'notifications.db'}",
        )
        return
    async with scratch_database(postgres_url) as scheduling, scratch_database(postgres_url) as notifications:
        yield sqlalchemy_url(scheduling), sqlalchemy_url(notifications)


class Stack:
    """The processes of one run and the benchmark's own ends: producer, conflict tail, webhook receiver."""

    def __init__(
        self, bootstrap: str, run: Run, workdir: Path, urls: tuple[str, str], detection: str = "inline"
    ) -> None:
        self.bootstrap, self.run, self.workdir, self.detection = bootstrap, run, workdir, detection
        self.scheduling_url, self.notifications_url = urls
        self.schedulers: list[ServiceProcess] = []
        self.receiver = WebhookReceiver()
        self.tail = ConflictTail(bootstrap, run.org("probe"))
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1)
        self.today = datetime.now(AMSTERDAM).date()
        self.scheduling_db = Database(self.scheduling_url)
        self.notifications = ServiceProcess(
            "notifications",
            self._common()
            | {
                "NOTIFICATIONS_DATABASE_URL": self.notifications_url,
                "NOTIFICATIONS_CONSUMER_GROUP": f"bench-s-notifications-{run.tag}",
                "NOTIFICATIONS_START_FROM": "latest",
                "WERKPLAATS_OUTBOUND_ALLOW": "127.0.0.1/32",  # the benchmark's own webhook receiver
            },
            workdir / "notifications.log",
        )

    def _common(self) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "WERKPLAATS_DATA_DIR": str(self.workdir),
            "WERKPLAATS_LOG_LEVEL": "WARNING",
        }

    def new_scheduler(self) -> ServiceProcess:
        """A scheduler process of this run (one more instance in the same group and database)."""
        number = len(self.schedulers) + 1
        scheduler = ServiceProcess(
            "scheduling",
            self._common()
            | {
                "SCHEDULING_DATABASE_URL": self.scheduling_url,
                "SCHEDULING_CONSUMER_GROUP": f"bench-s-scheduling-{self.run.tag}",
                "SCHEDULING_PARTNER_TOPIC_PATTERN": self.run.partner_pattern,
                "SCHEDULING_DETECTION": self.detection,
            },
            self.workdir / f"scheduling-{number}.log",
        )
        self.schedulers.append(scheduler)
        return scheduler

    async def start(self, stack: AsyncExitStack) -> None:
        """Start the receiver, tail, producer, one scheduler and notifications; subscribe the receiver."""
        await self.receiver.start()
        stack.push_async_callback(self.receiver.stop)
        await self.tail.start()
        stack.push_async_callback(self.tail.stop)
        await self.producer.start()
        stack.push_async_callback(self.producer.stop)
        stack.push_async_callback(self.scheduling_db.engine.dispose)
        for service in (self.new_scheduler(), self.notifications):
            stack.push_async_callback(service.stop)
            await service.start()
        request = manage.SubscriptionRequest.model_validate(
            {
                "webhook": {"url": self.receiver.url, "secret": SECRET},
                "organisations": [self.run.org("probe")],
            }
        )
        database = Database(self.notifications_url)
        try:
            await manage.add_subscription(database, request, created_by="bench")
        finally:
            await database.engine.dispose()

    async def publish(self, role: str, activity: ActivityPublished) -> tuple[float, float]:
        """Send one activity of ``role``'s organisation; the moment sent as (``perf_counter``, epoch)."""
        event = new_event(activity, source=self.run.org(role))
        moments = time.perf_counter(), time.time()
        await self.producer.send(
            partner_activities(self.run.org(role)), encode_event(event), key=activity.activity_id.encode()
        )
        return moments

    async def warm_up(self, timeout: float = 180.0) -> float:
        """Send marker conflicts until one reaches the webhook; seconds it took."""
        started = time.monotonic()
        for n in range(10_000):
            await self.publish("marker", pair(self.run, n, "anchor", self.today, wijk_index=MARKER_WIJK + n))
            await self.publish("probe", pair(self.run, n, "marker", self.today, wijk_index=MARKER_WIJK + n))
            key = (self.run.org("probe"), f"marker{n}")
            with contextlib.suppress(TimeoutError):
                await until(
                    functools.partial(self.receiver.warned.__contains__, key), 3, "a marker's warning"
                )
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                break
        raise TimeoutError(f"no marker conflict reached the webhook within {timeout:.0f} s")

    async def placed(self, organisation: str) -> int:
        """Zone placements of ``organisation`` the detector has committed (each one checked)."""
        async with self.scheduling_db.engine.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(ZoneMemberRow)
                .where(ZoneMemberRow.organisation == organisation)
            )
        return int(count or 0)

    async def intake_batches(self) -> float:
        """Batches the running schedulers' intake consumers have processed (their ``/metrics``)."""
        total = 0.0
        async with httpx.AsyncClient(timeout=5) as client:
            for scheduler in self.schedulers:
                if scheduler.process is None or scheduler.process.poll() is not None:
                    continue
                text = (await client.get(f"http://127.0.0.1:{scheduler.port}/metrics")).text
                total += sum(
                    float(line.rsplit(" ", 1)[1])
                    for line in text.splitlines()
                    if line.startswith(INTAKE_BATCHES)
                )
        return total

    def scheduler_cpu(self) -> float:
        """CPU seconds the running scheduler processes have used."""
        return cpu_seconds([s.pid for s in self.schedulers if s.process and s.process.poll() is None])

    async def wait_placed(self, organisation: str, wanted: int, timeout: float) -> float:
        """Wait until ``wanted`` placements of ``organisation`` are committed; the ``perf_counter`` then."""
        deadline = time.perf_counter() + timeout
        while await self.placed(organisation) < wanted:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{organisation}: fewer than {wanted:,} placements after {timeout:.0f} s")
            await asyncio.sleep(0.05)
        return time.perf_counter()


async def steady(stack: Stack, result: ShapeResult) -> None:
    """Anchors first, then probes at the rate, each overlapping its anchor: both latencies."""
    count = max(1, round(result.rate * result.duration_s))
    for index in range(count):
        await stack.publish("anchor", pair(stack.run, index, "anchor", stack.today))
    await stack.producer.flush()
    await stack.wait_placed(stack.run.org("anchor"), count, 300)
    progress(f"  {count:,} probes at {result.rate:g}/s ...")
    stack.tail.expected = count
    sent: dict[str, tuple[float, float]] = {}
    cpu, batches = stack.scheduler_cpu(), await stack.intake_batches()
    started = time.perf_counter()
    for index in range(count):
        delay = started + index / result.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[f"probe{index}"] = await stack.publish("probe", pair(stack.run, index, "probe", stack.today))
    await stack.producer.flush()
    probe = stack.run.org("probe")
    with contextlib.suppress(TimeoutError):
        await until(lambda: len(stack.tail.received) >= count, 60, "every conflict")
    result.steady_cpu_ms = (stack.scheduler_cpu() - cpu) * 1e3 / count
    result.steady_batches = await stack.intake_batches() - batches
    with contextlib.suppress(TimeoutError):
        await until(lambda: all((probe, key) in stack.receiver.warned for key in sent), 60, "every warning")
    result.sent = count
    result.detected = Spread.of(
        [stack.tail.received[key] - moment for key, (moment, _) in sent.items() if key in stack.tail.received]
    )
    result.published = {key: epoch for key, (_, epoch) in sent.items()}
    result.path_hops = hops.split(result.published, stack.tail.stamps)
    result.hop_durations = hops.durations(result.published, stack.tail.stamps)
    result.webhook = Spread.of(
        [
            stack.receiver.warned[(probe, key)][1] - moment
            for key, (_, moment) in sent.items()
            if (probe, key) in stack.receiver.warned
        ]
    )


async def burst(stack: Stack, role: str, size: int, schedulers: int) -> Burst:
    """Publish ``size`` activities at once; seconds until every one is placed, and the raw loop's."""
    org = stack.run.org(role)
    world = World.for_size(size, stack.today, stack.run.first_wijk + 2_000 * len(role))
    rng = random.Random(size)
    activities = [world.activity(rng, f"b{i}", organisation=org, venue_share=0.0) for i in range(size)]
    records = encoded(activities)
    wanted = size  # one zone each: a synthetic activity names buurten of one wijk and no venue
    cpu = stack.scheduler_cpu()
    started = time.perf_counter()
    sending = asyncio.create_task(send_all(stack.producer, partner_activities(org), records))
    done = await stack.wait_placed(org, wanted, max(300.0, size / 20))
    cpu_ms = (stack.scheduler_cpu() - cpu) * 1e3 / size
    await sending
    raw_s = await raw_consume(
        stack.bootstrap, partner_activities(org), size, f"bench-raw-{stack.run.tag}-{role}"
    )
    return Burst(schedulers, size, raw_s, done - started, cpu_ms)


async def measure(bootstrap: str, kind: str, options: Options, detection: str = "inline") -> ShapeResult:
    """All figures on one kind of database in one detection mode, with fresh processes, groups and topics."""
    run = Run.new()
    result = ShapeResult(kind, options.rate, options.duration, detection)
    await ensure_topics(bootstrap, all_service_topics())
    for role in ROLES:
        await ensure_topics(bootstrap, partner_topics(run.org(role)))
        await add_organisation(bootstrap, run.org(role), name=f"Bench {role}", role=OrganisationRole.PARTNER)
    await start_at_end(bootstrap, f"bench-s-scheduling-{run.tag}-detector")
    with tempfile.TemporaryDirectory(prefix="werkplaats-shape-") as name:
        workdir = Path(name)
        async with databases(kind, workdir, options.postgres_url) as urls, AsyncExitStack() as exits:
            stack = Stack(bootstrap, run, workdir, urls, detection)
            progress(f"{kind}, {detection} detection: starting the services (run {run.tag}) ...")
            await stack.start(exits)
            warm = await stack.warm_up()
            progress(f"  first warning after {warm:.1f} s; steady run ...")
            await steady(stack, result)
            result.load = load_average()
            if options.burst:
                progress(f"  burst of {options.burst:,} through one scheduler ...")
                result.bursts.append(await burst(stack, "burst", options.burst, 1))
                if options.scale_out:
                    second = stack.new_scheduler()
                    exits.push_async_callback(second.stop)
                    await second.start()
                    progress(f"  burst of {options.burst:,} through two schedulers ...")
                    result.bursts.append(await burst(stack, "scaled", options.burst, 2))
    await delete_run_topics(bootstrap, run)
    return result


async def delete_run_topics(bootstrap: str, run: Run) -> None:
    """Delete the run's partner topics so later schedulers need not replay them."""
    from benchmarks.scheduling.kafka import delete_topics

    with contextlib.suppress(Exception):
        await delete_topics(
            bootstrap, [spec.name for role in ROLES for spec in partner_topics(run.org(role))]
        )


async def run_benchmark(
    bootstrap: str, options: Options, report: Callable[[str], None] = progress
) -> list[ShapeResult]:
    """Measure on each database of ``options``."""
    results = []
    for kind in options.databases:
        for detection in options.detection:
            results.append(await measure(bootstrap, kind, options, detection))
            report(markdown(results[-1:], options))
    return results


def command_line(options: Options) -> str:
    """The command that reproduces ``options``."""
    parts = [
        f"werkplaats bench shape --rate {options.rate:g} --duration {options.duration:g}",
        f"--burst {options.burst}",
        f"--databases {','.join(options.databases)}",
    ]
    if not options.scale_out:
        parts.append("--no-scale-out")
    parts.append(f"--detection {','.join(options.detection)}")
    return " ".join(parts)


def markdown(results: list[ShapeResult], options: Options) -> str:
    """The results as a section of docs/benchmarks.md."""
    rows = [
        "| database | detection | sent | path | received | p50 ms | p99 ms | max ms | aim p99 "
        "| scheduler CPU ms per probe | records per intake batch | scheduler CPU ms per intake batch |",
        "|---|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        for path, spread, aim in (
            ("publish → conflict.detected", r.detected, 100),
            ("publish → signed webhook", r.webhook, 250),
        ):
            verdict = "met" if spread.p99_ms <= aim else "**not met**"
            rows.append(
                f"| {r.database} | {r.detection} | {r.sent:,} | {path} | {spread.count:,} | "
                f"{spread.p50_ms:,.1f} | {spread.p99_ms:,.1f} | {spread.max_ms:,.1f} | ≤ {aim} ms: {verdict} "
                f"| {r.steady_cpu_ms:.2f} | {r.steady_records_per_batch:.1f} "
                f"| {r.steady_cpu_ms_per_batch:.1f} |"
            )
    bursts = [
        "| database | detection | scheduler processes | activities | raw loop s | scheduler s | activities/s "
        "| ratio | scheduler CPU ms per activity |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for b in r.bursts:
            bursts.append(
                f"| {r.database} | {r.detection} | {b.schedulers} | {b.activities:,} | {b.raw_s:.2f} | "
                f"{b.scheduler_s:.1f} | {b.activities / b.scheduler_s:,.0f} | {b.ratio:.3f} "
                f"| {b.cpu_ms:.2f} |"
            )
    loads = ", ".join(f"{r.database} ({r.detection}) {r.load}" for r in results)
    return "\n".join(
        [
            f"Command: `{command_line(options)}`",
            "",
            f"Machine: {machine()}; load average after the steady run: {loads}.",
            "",
            *rows,
            "",
            *hops.markdown([(r.database, r.detection, r.path_hops) for r in results]),
            "",
            *(bursts if any(r.bursts for r in results) else []),
        ]
    )


@dataclass(frozen=True)
class ColdStart:
    """A scheduler with an empty database catching up with published activities, then restarted."""

    database: str
    activities: int
    catch_up_s: float
    restart_ready_s: float
    restart_first_placed_s: float
    load: str

    @property
    def rate(self) -> float:
        """Activities placed per second while catching up."""
        return self.activities / self.catch_up_s

    def markdown(self) -> str:
        """One table row."""
        million = 1_000_000 / self.rate / 60
        return (
            f"| {self.database} | {self.activities:,} | {self.catch_up_s:.1f} | {self.rate:,.0f} | "
            f"{million:,.0f} min | {self.restart_ready_s:.1f} | {self.restart_first_placed_s:.2f} | "
            f"{self.load} |"
        )


COLD_HEADER = (
    "| database | activities published before start | catch-up s | activities/s | 1,000,000 would take | "
    "restart: healthy after s | restart: next activity placed after s | load average |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


async def cold_start(bootstrap: str, kind: str, activities: int, postgres_url: str) -> ColdStart:
    """Publish ``activities``, then start a scheduler process on an empty database; time until all placed.

    Then stop it and start it again on the same database: seconds until healthy, and until one new
    activity is placed.
    """
    run = Run.new()
    org = run.org("burst")
    await ensure_topics(bootstrap, all_service_topics())
    await ensure_topics(bootstrap, partner_topics(org))
    await start_at_end(bootstrap, f"bench-s-scheduling-{run.tag}-detector")
    today = datetime.now(AMSTERDAM).date()
    world = World.for_size(activities, today, run.first_wijk)
    rng = random.Random(activities)
    records = encoded(
        [world.activity(rng, f"b{i}", organisation=org, venue_share=0.0) for i in range(activities)]
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        progress(f"{kind}: publishing {activities:,} activities before the scheduler starts ...")
        await send_all(producer, partner_activities(org), records)
        with tempfile.TemporaryDirectory(prefix="werkplaats-cold-") as name:
            workdir = Path(name)
            async with databases(kind, workdir, postgres_url) as urls:
                stack = Stack(bootstrap, run, workdir, urls)
                try:
                    started = time.perf_counter()
                    first = stack.new_scheduler()
                    await first.start()
                    progress("  catching up ...")
                    done = await stack.wait_placed(org, activities, max(600.0, activities / 10))
                    load = load_average()
                    await first.stop()
                    restarted = time.perf_counter()
                    second = stack.new_scheduler()
                    await second.start()
                    healthy = time.perf_counter()
                    extra = world.activity(rng, "after-restart", organisation=org, venue_share=0.0)
                    await send_all(producer, partner_activities(org), encoded([extra]))
                    placed = await stack.wait_placed(org, activities + 1, 120)
                    await second.stop()
                finally:
                    for scheduler in stack.schedulers:
                        await scheduler.stop()
                    await stack.scheduling_db.engine.dispose()
    finally:
        await producer.stop()
        await delete_run_topics(bootstrap, run)
    return ColdStart(kind, activities, done - started, healthy - restarted, placed - healthy, load)
