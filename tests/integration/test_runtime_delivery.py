"""Outbox → Kafka → idempotent consumer on a real broker: every effect exactly once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from benchmarks.probe import ProbeBase, attach, count_effects, stage_events
from support.testing import committed_offsets, read_topic, wait_for, wait_until_consumed
from werkplaats.db import Database
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
        await wait_for(lambda: _relayed(runtime), timeout=120)
        ends = await wait_until_consumed(kafka_bootstrap, runtime.consumer_group, [topic], timeout=120)
        assert sum(ends.values()) == 10_000
        assert await count_effects(runtime.database) == (10_000, 10_000)
    finally:
        await runtime.stop()


async def _relayed(runtime: ServiceRuntime) -> bool:
    return await runtime.relay.pending() == 0


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


async def test_consumer_killed_three_times_mid_stream_loses_and_repeats_nothing(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path, database_url: str
) -> None:
    total = 30_000  # far more than the last kill's threshold: a fast consumer cannot finish before it
    topic = await make_topic(unique("sigkill"), partitions=6)
    group = unique("group")
    producer = runtime_for(
        f"sqlite+aiosqlite:///{tmp_path / 'producer.db'}", kafka_bootstrap, unique("unused")
    )
    consumer_db = Database(database_url)
    await consumer_db.create_all(ProbeBase.metadata)
    await producer.database.create_all()
    await producer.start()
    await stage_events(producer.database, topic, total, run="sigkill")
    await wait_for(lambda: _relayed(producer), timeout=60)
    process = start_probe(topic, database_url, kafka_bootstrap, group, tmp_path / "probe.log")
    killed_at: list[int] = []
    try:
        for threshold in (1_500, 4_000, 6_500):
            await wait_for(lambda t=threshold: _committed(kafka_bootstrap, group, t), timeout=120)
            process.send_signal(signal.SIGKILL)
            assert process.wait(timeout=10) == -signal.SIGKILL
            committed = sum((await committed_offsets(kafka_bootstrap, group)).values())
            effects, _ = await count_effects(consumer_db)
            assert threshold <= committed < total, "killed after committing some offsets, not all"
            assert committed <= effects < total, "killed with records still to process"
            killed_at.append(committed)
            process = start_probe(topic, database_url, kafka_bootstrap, group, tmp_path / "probe.log")
        ends = await wait_until_consumed(kafka_bootstrap, group, [topic], timeout=180)
        assert sum(ends.values()) == total
        assert await count_effects(consumer_db) == (total, total)
        assert killed_at == sorted(killed_at), "each instance went on where the last one stopped"
    finally:
        process.terminate()
        process.wait(timeout=30)
        await producer.stop()
        await consumer_db.dispose()


async def _committed(bootstrap: str, group: str, at_least: int) -> bool:
    return sum((await committed_offsets(bootstrap, group)).values()) >= at_least


async def test_relay_killed_between_publish_and_mark_sent_is_absorbed_by_the_inbox(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path, database_url: str
) -> None:
    topic = await make_topic(unique("relay-crash"), partitions=3)
    runtime = runtime_for(database_url, kafka_bootstrap, unique("group"))
    await runtime.database.create_all()
    await runtime.database.create_all(ProbeBase.metadata)
    await stage_events(runtime.database, topic, 500, run="relay-crash")
    crash = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("crashing_relay.py")),
        database_url,
        kafka_bootstrap,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(crash.communicate(), timeout=60)
    assert crash.returncode == -signal.SIGKILL, output.decode()
    assert output.decode().splitlines()[-1] == "published 500"
    assert await runtime.relay.pending() == 500, "the killed relay marked nothing sent"
    assert len(await read_topic(kafka_bootstrap, topic)) == 500

    attach(runtime, topic)
    await runtime.start()  # the restarted relay publishes everything again
    try:
        await wait_for(lambda: _relayed(runtime), timeout=60)
        assert len(await read_topic(kafka_bootstrap, topic)) == 1_000
        await wait_until_consumed(kafka_bootstrap, runtime.consumer_group, [topic], timeout=60)
        assert await count_effects(runtime.database) == (500, 500)
    finally:
        await runtime.stop()
