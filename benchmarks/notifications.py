"""Partner publish → webhook warning on a real broker: scheduler and notifications in-process, per hop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata
from sqlalchemy import func, select

from benchmarks.report import machine, percentile
from benchmarks.tail import TopicTail
from contracts import ActivityKind, ActivityPublished, OrganisationRole, TargetGroup, encode_event, new_event
from contracts.topics import SCHEDULING_PLACEMENTS, all_service_topics, partner_activities, partner_topics
from notifications.channels.webhook import verify
from notifications.main import create_service as build_notifications
from notifications.service import subscriptions as manage
from notifications.settings import NotificationsSettings
from scheduling.main import create_runtime as create_scheduler
from scheduling.settings import DetectionMode, SchedulingSettings
from scheduling.store import ZoneMemberRow
from werkplaats.organisations import add_organisation
from werkplaats.topics_admin import ensure_topics

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SECRET = "bench-webhook-secret-0123456789"  # noqa: S105 - signs the local receiver's webhooks only
PAIRS_PER_WIJK = 50
MARKER_WIJK = 90_000
HOPS = (
    ("partner publish → placement (scheduling intake)", 0),
    ("placement → conflict.detected (scheduling detector)", 1),
    ("conflict.detected → notification decided (notifications)", 2),
    ("decided → webhook received (sender, HTTP)", 3),
)


def progress(message: str) -> None:
    """Say what the benchmark is doing, on stderr."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Hop:
    """One hop of the path: its p50 and p99, and its share of the mean end-to-end time."""

    name: str
    p50_ms: float
    p99_ms: float
    share: float


@dataclass(frozen=True)
class NotificationsResult:
    """Partner publish → webhook latencies of conflicting activities sent at a steady rate."""

    rate: float
    duration_s: float
    sent: int
    received: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    hops: tuple[Hop, ...]
    warm_up_s: float
    machine: str

    @property
    def command(self) -> str:
        """The command that reproduces this run."""
        return f"werkplaats bench notifications --rate {self.rate:g} --duration {self.duration_s:g}"

    def markdown(self) -> str:
        """The result as a section of docs/benchmarks.md."""
        aim = "met" if self.p99_ms < 250 else "missed"
        rows = [f"| {h.name} | {h.p50_ms:,.1f} | {h.p99_ms:,.1f} | {h.share:.0%} |" for h in self.hops]
        return "\n".join(
            [
                "## Notifications: partner publish → webhook warning",
                "",
                f"Command: `{self.command}`",
                "",
                f"Machine: {self.machine}. Scheduler and notifications in one process (fresh SQLite "
                f"databases, unique consumer groups), a real broker, a local webhook receiver subscribed "
                f"to all conflicts. {self.sent:,} activities at {self.rate:g}/s for {self.duration_s:g} s, "
                f"each overlapping one already on the agenda; {self.received:,} warnings received "
                f"(warm-up {self.warm_up_s:.1f} s).",
                "",
                "| partner publish → webhook | p50 ms | p99 ms | max ms |",
                "|---|---|---|---|",
                f"| end to end | {self.p50_ms:,.1f} | {self.p99_ms:,.1f} | {self.max_ms:,.1f} |",
                "",
                f"Aim p99 < 250 ms: {aim}.",
                "",
                "| hop (envelope `occurred_at` to `occurred_at`) | p50 ms | p99 ms | share of the mean |",
                "|---|---|---|---|",
                *rows,
            ]
        )


@dataclass(frozen=True)
class Run:
    """One run's names: its partner organisations, consumer groups and a block of fresh wijken."""

    tag: str
    first_wijk: int

    @classmethod
    def new(cls) -> Run:
        """A run with unique names."""
        return cls(uuid.uuid4().hex[:8], random.randrange(0, 80_000))

    def org(self, role: str) -> str:
        """The slug of this run's organisation playing ``role``."""
        return f"bench-n-{self.tag}-{role}"

    def buurt(self, wijk_index: int) -> str:
        """A buurt of this run's ``wijk_index``-th synthetic wijk (``WK9ddddd``)."""
        return f"BU9{(self.first_wijk + wijk_index) % 100_000:05d}01"

    @property
    def partner_pattern(self) -> str:
        """The partner topics the scheduler reads: only this run's."""
        return rf"^partner\.bench-n-{self.tag}-[a-z]+\.activities$"


def pair(run: Run, index: int, role: str, today: date, *, wijk_index: int | None = None) -> ActivityPublished:
    """One half of a designed conflict: anchor 10:00-12:00 or probe 10:30-11:30, a Tuesday of its own week."""
    week = index % PAIRS_PER_WIJK
    tuesday = today + timedelta(days=15 - today.weekday() + 7 * week)
    starts_at = datetime.combine(tuesday, clock(10) if role == "anchor" else clock(10, 30), tzinfo=AMSTERDAM)
    return ActivityPublished(
        activity_id=f"{role}{index}",
        title=f"Bench {role} {index}",
        kind=ActivityKind.CONSULTATION,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2 if role == "anchor" else 1),
        neighbourhoods=[run.buurt(index // PAIRS_PER_WIJK if wijk_index is None else wijk_index)],
        target_groups=[TargetGroup.TENANTS],
    )


def _moment(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


class WebhookReceiver:
    """A small HTTP server: checks each signature, answers 200, notes when each overlap warning came."""

    def __init__(self) -> None:
        self.warned: dict[tuple[str, str], tuple[dict[str, Any], float]] = {}
        self.bad_signatures = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """Where notifications POSTs."""
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        """Listen on a free port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                received = time.time()
                lines = head.decode("latin-1").split("\r\n")
                headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
                length = {k.lower(): v for k, v in headers.items()}.get("content-length", "0")
                body = await reader.readexactly(int(length))
                status = self._take(headers, body, received)
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _take(self, headers: dict[str, str], body: bytes, received: float) -> int:
        if not verify(SECRET, headers, body):
            self.bad_signatures += 1
            return 401
        document = json.loads(body)
        conflict = document.get("conflict") or {}
        if document.get("type") == "conflict.detected" and conflict.get("rule") == "neighbourhood_overlap":
            for member in conflict.get("activities", []):
                self.warned.setdefault((member["organisation"], member["activity_id"]), (document, received))
        return 200


class PlacementTail(TopicTail):
    """Tails ``scheduling.placements`` from its end: when each of one organisation's activities was placed."""

    topic = SCHEDULING_PLACEMENTS

    def __init__(self, bootstrap: str, organisation: str) -> None:
        super().__init__(bootstrap)
        self.organisation = organisation
        self.placed: dict[str, float] = {}

    def note(self, record: ConsumerRecord[Any, Any], now: float) -> None:
        """Note when each of the organisation's activities was placed (by its envelope's time)."""
        document = json.loads(record.value or b"{}")
        data = document.get("data") or {}
        if data.get("organisation") == self.organisation and data.get("activity"):
            self.placed.setdefault(data["activity_id"], _moment(document["occurred_at"]))


async def placement_partitions(bootstrap: str) -> list[TopicPartition]:
    """Every partition of ``scheduling.placements``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([SCHEDULING_PLACEMENTS])
    finally:
        await admin.close()
    return [TopicPartition(SCHEDULING_PLACEMENTS, p["partition"]) for p in described["partitions"]]


async def start_at_end(bootstrap: str, group: str) -> None:
    """Commit ``group`` at the end of ``scheduling.placements``: a fresh detector need not replay history."""
    partitions = await placement_partitions(bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in ends.items()})
    finally:
        await consumer.stop()


async def until(condition: Callable[[], Awaitable[bool] | bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; TimeoutError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if await result if isinstance(result, Awaitable) else result:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.1)


class Bench:
    """The services, the receiver, the tail and the producer of one run."""

    def __init__(self, bootstrap: str, run: Run, workdir: Path) -> None:
        self.bootstrap, self.run = bootstrap, run
        self.scheduler = create_scheduler(
            SchedulingSettings(
                database_url=f"sqlite+aiosqlite:///{workdir / 'scheduling.db'}",
                consumer_group=f"bench-n-scheduling-{run.tag}",
                partner_topic_pattern=run.partner_pattern,
                detection=DetectionMode.PARTITIONED,  # the hops below start at scheduling.placements
            ),
            bootstrap_servers=bootstrap,
        )
        self.notifications = build_notifications(
            NotificationsSettings(
                database_url=f"sqlite+aiosqlite:///{workdir / 'notifications.db'}",
                consumer_group=f"bench-n-notifications-{run.tag}",
                start_from="latest",
                outbound_allow="127.0.0.1/32",  # the benchmark's own webhook receiver
            ),
            bootstrap_servers=bootstrap,
        ).runtime
        self.receiver = WebhookReceiver()
        self.tail = PlacementTail(bootstrap, run.org("probe"))
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1)
        self.today = datetime.now(AMSTERDAM).date()

    async def publish(self, role: str, activity: ActivityPublished) -> float:
        """Send one activity of this run's ``role`` organisation; the moment it was handed to the producer."""
        event = new_event(activity, source=self.run.org(role))
        moment = event.occurred_at.timestamp()
        await self.producer.send(
            partner_activities(self.run.org(role)), encode_event(event), key=activity.activity_id.encode()
        )
        return moment

    async def start(self) -> None:
        """Start the receiver, the tail, the producer and both services; subscribe to every conflict."""
        await self.receiver.start()
        await self.tail.start()
        await self.producer.start()
        await self.scheduler.start()
        await self.notifications.start()
        request = manage.SubscriptionRequest.model_validate(
            {"webhook": {"url": self.receiver.url, "secret": SECRET}}
        )
        await manage.add_subscription(self.notifications.database, request, created_by="bench")

    async def stop(self) -> None:
        """Stop everything started."""
        for step in (
            self.notifications.stop,
            self.scheduler.stop,
            self.producer.stop,
            self.tail.stop,
            self.receiver.stop,
        ):
            with contextlib.suppress(Exception):
                await step()

    async def warm_up(self, timeout: float = 180.0) -> float:
        """Send marker conflicts until one reaches the webhook: both services consume. Seconds it took."""
        started = time.monotonic()
        for n in range(10_000):
            await self.publish("marker", pair(self.run, n, "anchor", self.today, wijk_index=MARKER_WIJK + n))
            await self.publish("probe", pair(self.run, n, "marker", self.today, wijk_index=MARKER_WIJK + n))
            arrived = functools.partial(
                self.receiver.warned.__contains__, (self.run.org("probe"), f"marker{n}")
            )
            with contextlib.suppress(TimeoutError):
                await until(arrived, 3, "a marker's warning")
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                break
        raise TimeoutError(f"no marker conflict reached the webhook within {timeout:.0f} s")

    async def place_anchors(self, count: int) -> None:
        """Put ``count`` anchors on the agenda and wait until the detector holds them all."""
        for index in range(count):
            await self.publish("anchor", pair(self.run, index, "anchor", self.today))
        await self.producer.flush()
        await until(lambda: self.placed("anchor", count), 300, f"placing {count:,} anchors")

    async def placed(self, role: str, wanted: int) -> bool:
        """Whether the detector holds ``wanted`` activities of this run's ``role`` organisation."""
        organisation = self.run.org(role)
        async with self.scheduler.database.engine.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(ZoneMemberRow)
                .where(ZoneMemberRow.organisation == organisation)
            )
        return int(count or 0) >= wanted

    async def steady(self, count: int, rate: float) -> dict[str, float]:
        """Send ``count`` probes, one every ``1/rate`` seconds; when each was published, by activity id."""
        sent: dict[str, float] = {}
        started = time.perf_counter()
        for index in range(count):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[f"probe{index}"] = await self.publish("probe", pair(self.run, index, "probe", self.today))
        await self.producer.flush()
        return sent

    def received(self, sent: dict[str, float]) -> int:
        """How many of the ``sent`` probes' warnings reached the webhook."""
        organisation = self.run.org("probe")
        return sum((organisation, activity_id) in self.receiver.warned for activity_id in sent)


def summarise(
    bench: Bench, sent: dict[str, float], rate: float, duration: float, warm_up_s: float
) -> NotificationsResult:
    """Latencies end to end and per hop, from the envelopes' ``occurred_at`` and the receipt moments."""
    totals: list[float] = []
    hops: list[list[float]] = [[] for _ in HOPS]
    for activity_id, published in sent.items():
        seen = bench.receiver.warned.get((bench.run.org("probe"), activity_id))
        if seen is None:
            continue
        body, received = seen
        totals.append(received - published)
        placed = bench.tail.placed.get(activity_id)
        if placed is None:
            continue
        points = (
            published,
            placed,
            _moment(body["conflict"]["occurred_at"]),
            _moment(body["decided_at"]),
            received,
        )
        for hop, _ in enumerate(HOPS):
            hops[hop].append(points[hop + 1] - points[hop])
    if not totals or not hops[0]:
        raise RuntimeError("no warning of a probe reached the webhook")
    whole = sum(sum(times) for times in hops)
    return NotificationsResult(
        rate=rate,
        duration_s=duration,
        sent=len(sent),
        received=len(totals),
        p50_ms=percentile(totals, 0.5) * 1e3,
        p99_ms=percentile(totals, 0.99) * 1e3,
        max_ms=max(totals) * 1e3,
        hops=tuple(
            Hop(
                name,
                percentile(hops[hop], 0.5) * 1e3,
                percentile(hops[hop], 0.99) * 1e3,
                sum(hops[hop]) / whole,
            )
            for name, hop in HOPS
        ),
        warm_up_s=warm_up_s,
        machine=machine(),
    )


async def delete_partner_topics(bootstrap: str, run: Run) -> None:
    """Delete this run's partner topics, so later schedulers need not replay them."""
    names = [spec.name for role in ("anchor", "probe", "marker") for spec in partner_topics(run.org(role))]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


async def run_benchmark(bootstrap: str, *, rate: float = 100, duration: float = 30) -> NotificationsResult:
    """Both services in-process on fresh databases; warm up, place anchors, then probes at ``rate``."""
    run = Run.new()
    count = max(1, round(rate * duration))
    await ensure_topics(bootstrap, all_service_topics())
    for role in ("anchor", "probe", "marker"):
        await add_organisation(
            bootstrap, run.org(role), name=f"Bench {role} {run.tag}", role=OrganisationRole.PARTNER
        )
    await start_at_end(bootstrap, f"bench-n-scheduling-{run.tag}-detector")
    with tempfile.TemporaryDirectory(prefix="werkplaats-bench-") as workdir:
        bench = Bench(bootstrap, run, Path(workdir))
        try:
            progress(f"run {run.tag}: starting the scheduler and notifications ...")
            await bench.start()
            warm_up_s = await bench.warm_up()
            progress(f"a marker's warning arrived after {warm_up_s:.1f} s; placing {count:,} anchors ...")
            await bench.place_anchors(count)
            progress(f"{count:,} conflicting activities at {rate:g}/s ...")
            sent = await bench.steady(count, rate)
            with contextlib.suppress(TimeoutError):
                await until(lambda: bench.received(sent) >= len(sent), 30, "every warning")
        finally:
            await bench.stop()
            with contextlib.suppress(Exception):
                await delete_partner_topics(bootstrap, run)
    return summarise(bench, sent, rate, duration, warm_up_s)
