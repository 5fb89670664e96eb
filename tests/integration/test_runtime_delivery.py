"""Outbox → Kafka → idempotent consumer on a real broker: every effect exactly once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from benchmarks.probe import ProbeBase, attach, count_effects, stage_events
from support.testing import read_topic, wait_for
from werkplaats.broker import publish_batch
from werkplaats.db import Database
from werkplaats.outbox import OutboxRelay, PendingMessage
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings


def runtime_for(database_url: str, bootstrap: str, group: str) -> ServiceRuntime:
    settings = ServiceSettings(database_url=database_url, consumer_group=group)
    return ServiceRuntime("probe", settings, bootstrap_servers=bootstrap)


async def test_ten_thousand_events_have_each_effect_exactly_once(
    kafka_bootstrap: str, make_topic, unique, database_url: str
) -> None:
    topic = await make_topic(unique("delivery"), partitions=6)
    runtime = runtime_for(database_url, kafka_bootstrap, unique("group"))
    await runtime.database.create_all(ProbeBase.metadata)
    attach(runtime, topic)
    await runtime.start()
    try:
        await stage_events(runtime.database, topic, 10_000, run="exactly-once")
        await wait_for(lambda: _has_effects(runtime.database, 10_000), timeout=120)
        await asyncio.sleep(1.0)  # anything extra would arrive now
        assert await count_effects(runtime.database) == (10_000, 10_000)
    finally:
        await runtime.stop()


async def _has_effects(database: Database, count: int) -> bool:
    return (await count_effects(database))[1] >= count


def start_probe(
    topic: str, database_url: str, bootstrap: str, group: str, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.probe",
        "--topic",
        topic,
        "--database-url",
        database_url,
        "--bootstrap",
        bootstrap,
        "--group",
        group,
    ]
    return subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def test_consumer_killed_three_times_loses_and_repeats_nothing(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path
) -> None:
    topic = await make_topic(unique("sigkill"), partitions=6)
    group = unique("group")
    consumer_url = f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}"
    producer = runtime_for(
        f"sqlite+aiosqlite:///{tmp_path / 'producer.db'}", kafka_bootstrap, unique("unused")
    )
    consumer_db = Database(consumer_url)
    await consumer_db.create_all(ProbeBase.metadata)
    await producer.database.create_all()
    await producer.start()
    kills = 0
    process = start_probe(topic, consumer_url, kafka_bootstrap, group, tmp_path / "probe.log")
    try:
        staging = asyncio.create_task(
            stage_events(producer.database, topic, 10_000, run="sigkill", batch=250)
        )
        for threshold in (1_500, 4_000, 7_000):
            await wait_for(lambda t=threshold: _has_effects(consumer_db, t), timeout=120)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            kills += 1
            process = start_probe(topic, consumer_url, kafka_bootstrap, group, tmp_path / "probe.log")
        await staging
        await wait_for(lambda: _has_effects(consumer_db, 10_000), timeout=180)
        await asyncio.sleep(2.0)
        assert kills == 3
        assert await count_effects(consumer_db) == (10_000, 10_000)
    finally:
        process.terminate()
        process.wait(timeout=30)
        await producer.stop()
        await consumer_db.dispose()


class RelayCrashedError(Exception):
    """Stands for the relay's process dying after publishing, before marking the rows sent."""


async def test_relay_crash_between_publish_and_mark_sent_is_absorbed_by_the_inbox(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path
) -> None:
    topic = await make_topic(unique("relay-crash"), partitions=3)
    runtime = runtime_for(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", kafka_bootstrap, unique("group"))
    await runtime.database.create_all(ProbeBase.metadata)
    attach(runtime, topic)
    await runtime.start()
    await runtime.relay.stop()  # consumers run, but the relay is stopped: the test drives it

    async def publish_then_crash(batch: Sequence[PendingMessage]) -> None:
        await publish_batch(runtime.producer, batch)
        raise RelayCrashedError

    try:
        await stage_events(runtime.database, topic, 500, run="relay-crash")
        crashing = OutboxRelay(runtime.database, publish_then_crash, batch_size=1000)
        with pytest.raises(RelayCrashedError):
            await crashing.relay_once()
        assert await crashing.pending() == 500  # nothing was marked sent
        await runtime.relay.relay_once()  # the restarted relay publishes everything again
        assert await runtime.relay.pending() == 0
        assert len(await read_topic(kafka_bootstrap, topic)) == 1_000
        await wait_for(lambda: _has_effects(runtime.database, 500))
        await asyncio.sleep(1.0)
        assert await count_effects(runtime.database) == (500, 500)
    finally:
        await runtime.stop()
