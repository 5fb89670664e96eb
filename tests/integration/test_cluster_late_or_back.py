"""A three-node cluster late, or back: services wait, addresses stay, nothing is lost or repeated."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from benchmarks.probe import ProbeBase, attach, count_effects, effects_so_far, stage_events
from contracts.topics import TopicSpec
from support.testing import wait_for
from werkplaats.localkafka.cluster import LocalKafkaCluster
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings
from werkplaats.topics_admin import ensure_topics

pytestmark = pytest.mark.integration


async def start(cluster: LocalKafkaCluster) -> str:
    """Start every node (a blocking call) without stopping the event loop."""
    return await asyncio.to_thread(cluster.ensure_started, 120.0)


async def stop(cluster: LocalKafkaCluster) -> None:
    """Stop every node without stopping the event loop."""
    await asyncio.to_thread(cluster.stop)


async def probe_runtime(database_url: str, bootstrap: str) -> tuple[ServiceRuntime, str]:
    """A service consuming probe events from a fresh topic into its database, one effect per event."""
    topic = f"it.cluster-late.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [TopicSpec(topic, 3)])
    settings = ServiceSettings(database_url=database_url, consumer_group=f"late-{uuid.uuid4().hex[:8]}")
    runtime = ServiceRuntime("probe", settings, bootstrap_servers=bootstrap)
    await runtime.database.create_all(ProbeBase.metadata)
    attach(runtime, topic)
    return runtime, topic


def cli(cluster: LocalKafkaCluster, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``werkplaats kafka ...`` on the cluster's directory, as a user would."""
    environment = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    environment["WERKPLAATS_KAFKA_DIR"] = str(cluster.data_dir.parent)
    command = [sys.executable, "-m", "werkplaats", "kafka", *arguments]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=180, check=False)


def test_cli_lists_each_node_and_a_restart_keeps_every_address(cluster: LocalKafkaCluster) -> None:
    status = cli(cluster, "status")
    assert status.returncode == 0, status.stderr
    for node in cluster.status():
        assert f"node {node.node_id} running {node.bootstrap} (pid {node.pid})" in status.stdout
    before = cluster.bootstrap
    assert len(before.split(",")) == 3

    stopped = cli(cluster, "stop")
    assert stopped.stdout.strip() == "stopped", stopped.stderr
    assert not any(node.running for node in cluster.status())
    assert cli(cluster, "status").returncode == 1

    started = cli(cluster, "start", "--brokers", "3")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == before
    assert all(node.running for node in cluster.status())


async def test_service_started_before_its_cluster_waits_then_works(
    cluster: LocalKafkaCluster, tmp_path: Path
) -> None:
    runtime, topic = await probe_runtime(f"sqlite+aiosqlite:///{tmp_path / 'late.db'}", cluster.bootstrap)
    await stop(cluster)
    app = runtime.http_app(title="probe")
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://probe") as client,
    ):
        assert (await client.get("/health/live")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["reason"].startswith(f"waiting for Kafka at {cluster.bootstrap}: ")

        assert await start(cluster) == runtime.bootstrap_servers
        await stage_events(runtime.database, topic, 1, run="late")
        await wait_for(lambda: effects_so_far(runtime.database), timeout=60)
        assert await count_effects(runtime.database) == (1, 1)

        async def answers_ready() -> bool:
            return (await client.get("/health/ready")).status_code == 200

        await wait_for(answers_ready, timeout=30)


async def test_cluster_restart_under_a_running_service_loses_and_repeats_nothing(
    cluster: LocalKafkaCluster, database_url: str
) -> None:
    runtime, topic = await probe_runtime(database_url, cluster.bootstrap)
    await runtime.start()
    try:
        await stage_events(runtime.database, topic, 200, run="before")
        await wait_for(lambda: effects_reach(runtime, 200), timeout=60)

        await stop(cluster)
        await stage_events(runtime.database, topic, 100, run="during")  # accepted while no node runs
        assert await start(cluster) == runtime.bootstrap_servers
        await stage_events(runtime.database, topic, 100, run="after")

        await wait_for(lambda: effects_reach(runtime, 400), timeout=90)
        await wait_for(lambda: relayed(runtime), timeout=30)
        assert await count_effects(runtime.database) == (400, 400)
    finally:
        await runtime.stop()


async def effects_reach(runtime: ServiceRuntime, count: int) -> bool:
    return await effects_so_far(runtime.database) >= count


async def relayed(runtime: ServiceRuntime) -> bool:
    return await runtime.relay.pending() == 0
