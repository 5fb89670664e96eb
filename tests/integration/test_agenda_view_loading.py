"""On the real broker: the follower stops in every state, and the scheduler works while its view loads."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from fastapi import FastAPI
from sqlalchemy import func, select

from contracts import OrganisationRole
from contracts.topics import TopicSpec
from scheduling.main import create_app
from scheduling.settings import SchedulingSettings
from scheduling.store import ZoneMemberRow
from scheduling_support import Partners, activity, at, fresh_area, quiet_evening, skip_history
from support.testing import wait_for
from werkplaats.follower import FollowerState, TopicFollower
from werkplaats.organisations import add_organisation
from werkplaats.topics_admin import ensure_topics


@asynccontextmanager
async def topic_with(bootstrap: str, count: int) -> AsyncIterator[str]:
    """A new topic of three partitions holding ``count`` records."""
    name = f"test.follower.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [TopicSpec(name, partitions=3)])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for n in range(count):
            await producer.send(name, f"old-{n}".encode(), key=str(n).encode())
        await producer.flush()
        yield name
    finally:
        await producer.stop()


class Seen:
    """What a follower applied, and the states it was in when it did."""

    def __init__(self) -> None:
        self.values: list[bytes] = []
        self.states: list[FollowerState] = []
        self.follower: TopicFollower | None = None

    def apply(self, records: Iterable[ConsumerRecord[bytes, bytes]]) -> None:
        assert self.follower is not None
        self.states.append(self.follower.state)
        self.values += [record.value for record in records if record.value is not None]


def following(bootstrap: str, topic: str, seen: Seen) -> TopicFollower:
    seen.follower = TopicFollower(bootstrap, topic, seen.apply, client_id="test-follower")
    return seen.follower


async def test_a_follower_reads_the_history_then_follows_and_stops(kafka_bootstrap: str) -> None:
    async with topic_with(kafka_bootstrap, 30) as topic:
        seen = Seen()
        follower = following(kafka_bootstrap, topic, seen)
        await follower.start()
        assert sorted(seen.values) == sorted(f"old-{n}".encode() for n in range(30))
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"news", key=b"x")
        finally:
            await producer.stop()
        await wait_for(lambda: b"news" in seen.values, timeout=30)
        assert seen.states[-1] is FollowerState.FOLLOWING
        await asyncio.wait_for(follower.stop(), 15)
        assert follower.state is FollowerState.STOPPED


async def test_a_follower_stops_before_start_and_while_connecting(kafka_bootstrap: str) -> None:
    async with topic_with(kafka_bootstrap, 5) as topic:
        idle = following(kafka_bootstrap, topic, Seen())
        await asyncio.wait_for(idle.stop(), 15)
        connecting = following(kafka_bootstrap, topic, seen := Seen())
        connecting.begin()
        assert connecting.state is FollowerState.CONNECTING
        await asyncio.wait_for(connecting.stop(), 15)
        assert connecting.state is FollowerState.STOPPED
        assert seen.values == []


async def test_a_follower_stops_while_loading(kafka_bootstrap: str) -> None:
    async with topic_with(kafka_bootstrap, 30) as topic:
        seen = Seen()
        follower = following(kafka_bootstrap, topic, seen)
        stopping: list[asyncio.Task[None]] = []
        apply = seen.apply

        def stop_at_first_batch(records: Iterable[ConsumerRecord[bytes, bytes]]) -> None:
            apply(records)
            if not stopping:
                stopping.append(asyncio.create_task(follower.stop()))

        follower.apply = stop_at_first_batch
        follower.begin()
        await wait_for(lambda: stopping, timeout=30)
        await asyncio.wait_for(stopping[0], 15)
        assert seen.states[0] is FollowerState.LOADING
        assert not follower.loaded
        assert follower.state is FollowerState.STOPPED


async def test_a_follower_stops_while_following(kafka_bootstrap: str) -> None:
    async with topic_with(kafka_bootstrap, 3) as topic:
        follower = following(kafka_bootstrap, topic, Seen())
        follower.begin()
        await asyncio.wait_for(follower.wait_loaded(), 30)
        assert follower.state is FollowerState.FOLLOWING
        await asyncio.wait_for(follower.stop(), 15)
        assert follower.state is FollowerState.STOPPED


class HeldConsumer(AIOKafkaConsumer):
    """A real consumer whose reads wait until ``gate`` opens: a view that takes long to load."""

    gate: asyncio.Event

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int = 0, **kwargs: Any) -> Any:
        await self.gate.wait()
        return await super().getmany(*partitions, timeout_ms=timeout_ms, **kwargs)


@asynccontextmanager
async def scheduler_with_held_view(
    bootstrap: str, database_url: str, partners: Partners
) -> AsyncIterator[tuple[FastAPI, asyncio.Event]]:
    run = uuid.uuid4().hex[:6]
    await skip_history(bootstrap, f"held-{run}")
    settings = SchedulingSettings(
        database_url=database_url,
        consumer_group=f"held-{run}",
        outbox_idle_poll_s=0.2,
        partner_topic_pattern=partners.topic_pattern(),
    )
    app = create_app(settings, bootstrap_servers=bootstrap)
    gate = asyncio.Event()
    follower = app.state.service.view.follower

    def held() -> AIOKafkaConsumer:
        consumer = HeldConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        consumer.gate = gate
        return consumer

    follower.new_consumer = held
    await app.state.runtime.start()
    try:
        yield app, gate
    finally:
        await asyncio.wait_for(app.state.runtime.stop(), 60)


async def placed(app: FastAPI, organisation: str) -> int:
    """Zone placements of ``organisation`` the detector has committed (each one checked)."""
    async with app.state.runtime.database.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(ZoneMemberRow).where(ZoneMemberRow.organisation == organisation)
        )
    return int(count or 0)


async def test_the_scheduler_takes_in_activities_while_its_view_loads(
    kafka_bootstrap: str, database_url: str
) -> None:
    area = fresh_area()
    async with Partners(kafka_bootstrap, "laden") as partners:
        slug = partners.slugs["laden"]
        key = (await add_organisation(kafka_bootstrap, slug, name=slug, role=OrganisationRole.PARTNER)).secret
        async with scheduler_with_held_view(kafka_bootstrap, database_url, partners) as (app, gate):
            view = app.state.service.view
            assert view.loading
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scheduling")
            headers = {"Authorization": f"Bearer {key}"}
            try:
                await partners.publish(
                    "laden", activity("tijdens-laden", at(quiet_evening(), 19), 2, [area.wijk])
                )
                await wait_for(lambda: placed(app, slug), timeout=60, interval=0.2)
                assert view.loading  # taken in, put on the agenda and checked meanwhile
                ready = await client.get("/health/ready")
                assert ready.status_code == 200
                assert ready.json()["agenda_view"]["state"] == "loading"
                refused = await client.get("/v1/agenda", params={"neighbourhood": area.wijk}, headers=headers)
                assert refused.status_code == 503
                assert refused.headers["Retry-After"] == "5"
                gate.set()
                await asyncio.wait_for(view.wait_loaded(), 60)

                async def listed() -> bool:
                    response = await client.get(
                        "/v1/agenda", params={"neighbourhood": area.wijk}, headers=headers
                    )
                    items = response.json()["items"]  # a shared broker's agenda may hold others in the wijk
                    ours = [item["activity"]["activity_id"] for item in items if item["organisation"] == slug]
                    return ours == ["tijdens-laden"]

                await wait_for(listed, timeout=30, interval=0.2)
            finally:
                await client.aclose()


async def test_a_scheduler_stopped_while_its_view_loads_stops(
    kafka_bootstrap: str, database_url: str
) -> None:
    async with Partners(kafka_bootstrap, "stoppen") as partners:
        async with scheduler_with_held_view(kafka_bootstrap, database_url, partners) as (app, _):
            assert app.state.service.view.loading
            assert app.state.runtime.started
        assert app.state.service.view.state is FollowerState.STOPPED
        assert not app.state.runtime.started


FETCH_HOLD_MS = 60_000
"""A fetch wait far longer than any start-up: a request queued behind such a fetch shows at once."""
RELEASE_AFTER_S = 15.0
"""When the test publishes news anyway, releasing a held fetch (so an old follower ends too)."""


@pytest.mark.parametrize("history", [0, 30], ids=["empty", "history"])
async def test_start_returns_without_waiting_for_a_held_fetch(kafka_bootstrap: str, history: int) -> None:
    async with topic_with(kafka_bootstrap, history) as topic:
        seen = Seen()
        follower = TopicFollower(
            kafka_bootstrap,
            topic,
            seen.apply,
            client_id="test-follower",
            new_consumer=lambda: AIOKafkaConsumer(
                bootstrap_servers=kafka_bootstrap,
                enable_auto_commit=False,
                client_id="test-follower-held",
                fetch_max_wait_ms=FETCH_HOLD_MS,
                request_timeout_ms=FETCH_HOLD_MS + 30_000,
            ),
        )
        seen.follower = follower
        events: list[str] = []
        applied_when_loaded: list[bytes] = []

        def loaded(_: object) -> None:
            events.append("loaded")
            applied_when_loaded.extend(seen.values)

        starting = asyncio.create_task(follower.start())
        starting.add_done_callback(loaded)
        await asyncio.wait([starting], timeout=RELEASE_AFTER_S)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        await producer.start()
        events.append("news sent")
        try:
            await producer.send_and_wait(topic, b"news", key=b"x")
        finally:
            await producer.stop()
        try:
            await asyncio.wait_for(starting, 30)
            assert events == ["loaded", "news sent"]
            assert sorted(applied_when_loaded) == sorted(f"old-{n}".encode() for n in range(history))
            await wait_for(lambda: b"news" in seen.values, timeout=30)
            assert seen.states[-1] is FollowerState.FOLLOWING
        finally:
            await asyncio.wait_for(follower.stop(), 15)
