"""Live conflicts in the dashboard: ``conflict.detected`` on the topic to the event in N open pages.

Two SSE endpoints are fed the same burst of conflicts from ``scheduling.conflicts`` in the same run:

* **dashboard**: the real service (read model in SQLite, live feed, one frame rendered per language,
  signed-in pages), served by uvicorn;
* **bare**: a Starlette endpoint that tails the topic with one aiokafka consumer and writes each
  record's bytes to every open stream: the least any SSE endpoint fed from Kafka can do.

The pages are plain SSE clients in a separate process (the browser's work is the same for both);
latency is the client's clock at arrival minus the record's Kafka timestamp (same machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import re
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from benchmarks.report import machine, percentile
from benchmarks.tail import partitions_of
from contracts import ConflictDetected, encode_event, new_event
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_CONFLICTS, all_service_topics
from dashboard.domain import Role
from dashboard.main import create_app
from dashboard.service.accounts import create_account
from dashboard.settings import DashboardSettings
from dashboard.store import SqlDashboardUnitOfWork
from werkplaats.topics_admin import ensure_topics

CONFLICT_ID = re.compile(rb'"conflict_id":"([^"]+)"')
PASSWORD = "benchmark wachtwoord"  # noqa: S105 - a throwaway account in a throwaway database


@dataclass(frozen=True)
class PathResult:
    """What the pages of one endpoint saw."""

    name: str
    latencies_ms: list[float]
    expected: int

    def row(self) -> str:
        """One line of the Markdown table."""
        got = len(self.latencies_ms)
        if not got:
            return f"| {self.name} | 0 / {self.expected} | - | - | - |"
        p50, p99 = percentile(self.latencies_ms, 0.5), percentile(self.latencies_ms, 0.99)
        worst = max(self.latencies_ms)
        return f"| {self.name} | {got:,} / {self.expected:,} | {p50:.0f} | {p99:.0f} | {worst:.0f} |"


@dataclass(frozen=True)
class Result:
    """Both endpoints, side by side."""

    pages: int
    conflicts: int
    dashboard: PathResult
    bare: PathResult

    def markdown(self) -> str:
        """The result as the Markdown of docs/benchmarks.md."""
        lines = [
            f"{self.pages} open pages per endpoint, a burst of {self.conflicts:,} `conflict.detected`; "
            "latency from the record's Kafka timestamp to its arrival in the page (ms).",
            "",
            "| endpoint | events received | p50 | p99 | max |",
            "|---|---|---|---|---|",
            self.dashboard.row(),
            self.bare.row(),
        ]
        if self.dashboard.latencies_ms and self.bare.latencies_ms:
            ratio = percentile(self.dashboard.latencies_ms, 0.99) / max(
                1.0, percentile(self.bare.latencies_ms, 0.99)
            )
            lines += ["", f"p99 dashboard / bare: {ratio:.1f} times", ""]
        lines.append(f"Machine: {machine()}.")
        return "\n".join(lines)


def bare_app(bootstrap: str) -> Starlette:
    """The baseline: one consumer at the topic's end, every record's bytes to every open stream."""
    queues: set[asyncio.Queue[bytes]] = set()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tail: list[asyncio.Task[None]] = []

    async def follow() -> None:
        while True:
            for batch in (await consumer.getmany(timeout_ms=100)).values():
                frames = b"".join(b"event: conflict\ndata: " + record.value + b"\n\n" for record in batch)
                for queue in queues:
                    queue.put_nowait(frames)

    async def stream(_: Any) -> StreamingResponse:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        queues.add(queue)

        async def frames() -> AsyncIterator[bytes]:
            try:
                yield b"retry: 2000\n\n"
                while True:
                    yield await queue.get()
            finally:
                queues.discard(queue)

        return StreamingResponse(frames(), media_type="text/event-stream")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await consumer.start()
        partitions = await partitions_of(bootstrap, rf"^{re.escape(SCHEDULING_CONFLICTS)}$")
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for partition in partitions:
            await consumer.position(partition)
        tail.append(asyncio.create_task(follow()))
        yield
        tail[0].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tail[0]
        await consumer.stop()

    return Starlette(routes=[Route("/live", stream)], lifespan=lifespan)


@contextlib.asynccontextmanager
async def served(app: Any) -> AsyncIterator[int]:
    """Serve ``app`` on a free loopback port."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


async def start_at_end(bootstrap: str, group: str) -> None:
    """Commit ``group``'s offsets at the end of the topics the dashboard reads: only the burst counts."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        cluster = await consumer._client.fetch_all_metadata()
        topics = (SCHEDULING_CONFLICTS, SCHEDULING_AGENDA)
        partitions = [TopicPartition(t, p) for t in topics for p in cluster.partitions_for_topic(t) or ()]
        consumer.assign(partitions)
        await consumer.commit(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


def conflict(number: int, run: str) -> ConflictDetected:
    """A synthetic high conflict between two benchmark organisations."""
    start = datetime(2031, 1, 6, 19, tzinfo=UTC) + timedelta(hours=number)
    return ConflictDetected.model_validate(
        {
            "conflict_id": f"bench-{run}-{number:05d}",
            "rule": "neighbourhood_overlap",
            "severity": "high",
            "activities": [
                {"organisation": "bench-a", "activity_id": f"a-{number}", "occurrence_start": start},
                {"organisation": "bench-b", "activity_id": f"b-{number}", "occurrence_start": start},
            ],
            "neighbourhoods": ["BU05183620"],
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "explanation": {"nl": "Twee avonden tegelijk in Moerwijk-Oost.", "en": "Two evenings at once."},
        }
    )


async def warm_up(bootstrap: str, run: str, app: Any) -> None:
    """One conflict through the dashboard first: its consumer has joined its group and been assigned."""
    from dashboard.store import ConflictRow

    await publish_burst(bootstrap, run, 1)
    while True:
        async with app.state.runtime.database.sessions() as session:
            if await session.get(ConflictRow, conflict(0, run).conflict_id) is not None:
                return
        await asyncio.sleep(0.1)


async def publish_burst(bootstrap: str, run: str, count: int, *, first: int = 0) -> dict[str, int]:
    """Publish ``count`` conflicts as fast as the producer goes; their Kafka timestamps by conflict id."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    await producer.start()
    try:
        sent = []
        for number in range(first, first + count):
            data = conflict(number, run)
            event = new_event(data, source="scheduling")
            sent.append(
                (
                    data.conflict_id,
                    await producer.send(
                        SCHEDULING_CONFLICTS, encode_event(event), key=data.conflict_id.encode()
                    ),
                )
            )
        return {conflict_id: (await future).timestamp for conflict_id, future in sent}
    finally:
        await producer.stop()


def run_pages(
    urls: list[tuple[str, int, str, str]], pages: int, expected: int, ready: Any, timeout_s: float, out: Any
) -> None:
    """The client process: ``pages`` SSE streams per endpoint; arrival times (ms) per conflict id."""
    out.put(asyncio.run(_pages(urls, pages, expected, ready, timeout_s)))


async def _pages(
    urls: list[tuple[str, int, str, str]], pages: int, expected: int, ready: Any, timeout_s: float
) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {name: [] for name, *_ in urls}
    connected = 0
    tasks = []

    async def page(name: str, port: int, path: str, cookie: str) -> None:
        nonlocal connected
        seen: dict[str, float] = {}
        results[name].append(seen)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
        )
        writer.write(request.encode())
        await reader.readuntil(b"\r\n\r\n")
        connected += 1
        tail = b""
        try:
            while len(seen) < expected:
                chunk = await reader.read(1 << 16)
                if not chunk:
                    return
                now = time.time() * 1000
                buffer = tail + chunk
                for match in CONFLICT_ID.finditer(buffer):
                    seen.setdefault(match.group(1).decode(), now)
                tail = buffer[-200:]
        finally:
            writer.close()

    for name, port, path, cookie in urls:
        tasks += [asyncio.create_task(page(name, port, path, cookie)) for _ in range(pages)]
    while connected < len(tasks):  # noqa: ASYNC110 - the pages connect in their own tasks
        await asyncio.sleep(0.05)
    ready.set()
    await asyncio.wait(tasks, timeout=timeout_s)
    for task in tasks:
        task.cancel()
    return results


async def run_benchmark(
    bootstrap: str, *, pages: int = 200, conflicts: int = 1000, timeout_s: float = 120
) -> Result:
    """Open ``pages`` streams on each endpoint, publish the burst, collect what every page saw."""
    await ensure_topics(bootstrap, all_service_topics())
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="werkplaats-bench-dashboard-") as directory:
        settings = DashboardSettings(
            database_url=f"sqlite+aiosqlite:///{Path(directory) / 'dashboard.db'}",
            consumer_group=f"bench-dashboard-{run}",
            secure_cookies=False,
            password_memory_kib=1024,
            password_time_cost=1,
            password_parallelism=1,
        )
        await start_at_end(bootstrap, f"bench-dashboard-{run}-read-model")
        app = create_app(settings, bootstrap_servers=bootstrap)
        async with served(app) as dashboard_port, served(bare_app(bootstrap)) as bare_port:
            async with app.state.runtime.database.unit_of_work(SqlDashboardUnitOfWork) as unit:
                await create_account(
                    unit.session,
                    app.state.service.web.passwords,
                    username="bench",
                    display_name="Bench",
                    role=Role.OPERATIONS,
                    password=PASSWORD,
                )
            cookie = await _sign_in(dashboard_port)
            context = multiprocessing.get_context("spawn")
            ready, out = context.Event(), context.Queue()
            urls = [
                ("dashboard", dashboard_port, "/live/conflicten", cookie),
                ("bare", bare_port, "/live", ""),
            ]
            clients = context.Process(
                target=run_pages, args=(urls, pages, conflicts + 1, ready, timeout_s, out)
            )
            clients.start()
            await asyncio.to_thread(ready.wait, timeout_s)
            await warm_up(bootstrap, run, app)
            published = await publish_burst(bootstrap, run, conflicts, first=1)
            seen = await asyncio.to_thread(out.get, True, timeout_s + 60)
            await asyncio.to_thread(clients.join, 30)
    return Result(
        pages,
        conflicts,
        _latencies("dashboard", seen, published),
        _latencies("bare (Kafka → SSE)", seen, published, key="bare"),
    )


def _latencies(
    name: str, seen: dict[str, list[dict[str, float]]], published: dict[str, int], *, key: str | None = None
) -> PathResult:
    latencies = [
        arrived - published[conflict_id]
        for page in seen[key or name]
        for conflict_id, arrived in page.items()
        if conflict_id in published
    ]
    return PathResult(name, latencies, len(seen[key or name]) * len(published))


async def _sign_in(port: int) -> str:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        form = await client.get("/aanmelden")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        data = {"username": "bench", "password": PASSWORD, "csrf_token": token.group(1), "terug": "/vandaag"}
        response = await client.post("/aanmelden", data=data)
        assert response.status_code == 303, response.text
        return f"wp_session={client.cookies['wp_session']}"
