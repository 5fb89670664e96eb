"""A broker that is late, or comes back: services wait for it, keep its address, lose and repeat nothing."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.probe import ProbeBase, attach, count_effects, effects_so_far, stage_events
from contracts.topics import TopicSpec
from support.testing import wait_for
from werkplaats.localkafka import LocalKafka
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings
from werkplaats.topics_admin import ensure_topics

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_broker() -> Iterator[LocalKafka]:
    """A local broker of these tests alone (its own data dir), stopped and started by them."""
    data_dir = Path(tempfile.mkdtemp(prefix="werkplaats-test-late-kafka-"))
    broker = LocalKafka(data_dir=data_dir)
    try:
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


async def start(broker: LocalKafka) -> str:
    """Start ``broker`` (a blocking call) without stopping the event loop."""
    return await asyncio.to_thread(broker.ensure_started)


async def stop(broker: LocalKafka) -> None:
    """Stop ``broker`` without stopping the event loop."""
    await asyncio.to_thread(broker.stop)


async def probe_topic(bootstrap: str) -> str:
    """A fresh topic for probe events on the test's broker."""
    topic = f"it.late-broker.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [TopicSpec(topic, 2)])
    return topic


async def probe_runtime(database_url: str, bootstrap: str, topic: str) -> ServiceRuntime:
    """A service consuming probe events from ``topic`` into its database, one effect per event."""
    settings = ServiceSettings(database_url=database_url, consumer_group=f"late-{uuid.uuid4().hex[:8]}")
    runtime = ServiceRuntime("probe", settings, bootstrap_servers=bootstrap)
    await runtime.database.create_all(ProbeBase.metadata)
    attach(runtime, topic)
    return runtime


async def readiness(client: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    response = await client.get("/health/ready")
    return response.status_code, response.json()


def test_start_after_stop_comes_back_on_the_same_port(own_broker: LocalKafka) -> None:
    first = own_broker.ensure_started()
    own_broker.stop()
    assert not own_broker.status().running
    second = own_broker.ensure_started()
    assert second == first
    assert own_broker.status().bootstrap == first


async def test_service_started_before_its_broker_waits_then_works(
    own_broker: LocalKafka, tmp_path: Path
) -> None:
    bootstrap = await start(own_broker)
    topic = await probe_topic(bootstrap)
    await stop(own_broker)
    runtime = await probe_runtime(f"sqlite+aiosqlite:///{tmp_path / 'late.db'}", bootstrap, topic)
    app = runtime.http_app(title="probe")
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://probe") as client,
    ):
        live = await client.get("/health/live")
        assert live.status_code == 200
        status, report = await readiness(client)
        assert status == 503
        assert report["reason"].startswith(f"waiting for Kafka at {bootstrap}: ")
        assert not runtime.started

        assert await start(own_broker) == bootstrap
        await stage_events(runtime.database, topic, 1, run="late")
        await wait_for(lambda: effects_so_far(runtime.database), timeout=45)
        assert await count_effects(runtime.database) == (1, 1)

        async def ready() -> bool:
            return (await readiness(client))[0] == 200

        await wait_for(ready, timeout=10)
        assert "reason" not in (await readiness(client))[1]


async def test_broker_restart_under_a_running_service_loses_and_repeats_nothing(
    own_broker: LocalKafka, database_url: str
) -> None:
    bootstrap = await start(own_broker)
    topic = await probe_topic(bootstrap)
    runtime = await probe_runtime(database_url, bootstrap, topic)
    await runtime.start()
    try:
        await stage_events(runtime.database, topic, 200, run="before")
        await wait_for(lambda: _effects_reach(runtime, 200), timeout=30)

        await stop(own_broker)
        await stage_events(runtime.database, topic, 100, run="during")  # accepted while the broker is down
        assert await start(own_broker) == bootstrap
        await stage_events(runtime.database, topic, 100, run="after")

        await wait_for(lambda: _effects_reach(runtime, 400), timeout=45)
        await wait_for(lambda: _relayed(runtime), timeout=10)
        assert await count_effects(runtime.database) == (400, 400)
    finally:
        await runtime.stop()


async def _effects_reach(runtime: ServiceRuntime, count: int) -> bool:
    return await effects_so_far(runtime.database) >= count


async def _relayed(runtime: ServiceRuntime) -> bool:
    return await runtime.relay.pending() == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_werkplaats_run_before_the_broker_stays_up_and_becomes_ready(
    own_broker: LocalKafka, tmp_path: Path
) -> None:
    bootstrap = await start(own_broker)
    await stop(own_broker)
    port = free_port()
    env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SCHEDULING_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}",
        "SCHEDULING_CONSUMER_GROUP": f"late-{uuid.uuid4().hex[:8]}",
    }
    command = [sys.executable, "-m", "werkplaats", "run", "scheduling", "--port", str(port)]
    log = tmp_path / "scheduling.log"
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

            async def answers() -> bool:
                try:
                    return (await client.get("/health/live")).status_code == 200
                except httpx.TransportError:
                    assert process.poll() is None, log.read_text()
                    return False

            await wait_for(answers, timeout=45, interval=0.2)
            status, report = await readiness(client)
            assert status == 503
            assert report["reason"].startswith(f"waiting for Kafka at {bootstrap}: ")

            assert await start(own_broker) == bootstrap

            async def ready() -> bool:
                return (await readiness(client))[0] == 200

            await wait_for(ready, timeout=45, interval=0.2)
            assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert "Application startup failed" not in log.read_text()
