"""A consumer killed with SIGKILL, restarted with its instance id: back at once, nothing lost or doubled."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from structlog.testing import capture_logs

from benchmarks.probe import ProbeBase, attach, count_effects, handled_times, stage_events
from support.testing import committed_offsets, wait_for, wait_until_consumed
from werkplaats.db import Database
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings

SESSION_TIMEOUT_S = 10.0
"""aiokafka's default session timeout, kept by the runtime: how long a killed dynamic member is awaited."""


def start_probe(
    topic: str, database_url: str, bootstrap: str, group: str, instance_id: str, log: Path
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "benchmarks.probe", "--topic", topic, "--database-url", database_url]
    command += ["--bootstrap", bootstrap, "--group", group, "--instance-id", instance_id]
    return subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def test_a_killed_member_restarted_with_its_instance_id_resumes_at_once_and_repeats_nothing(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path, database_url: str
) -> None:
    total = 20_000  # far more than the kill's threshold: the killed process leaves records to the next
    topic = await make_topic(unique("static"), partitions=3)
    group, instance_id = unique("group"), unique("pod")
    settings = ServiceSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'producer.db'}")
    producer = ServiceRuntime("producer", settings, bootstrap_servers=kafka_bootstrap)
    consumer_db = Database(database_url)
    await consumer_db.create_all(ProbeBase.metadata)
    await producer.database.create_all()
    await producer.start()
    await stage_events(producer.database, topic, total, run="static")
    await wait_for(lambda: _relayed(producer), timeout=60)
    process = start_probe(topic, database_url, kafka_bootstrap, group, instance_id, tmp_path / "probe.log")
    try:
        await wait_for(lambda: _committed(kafka_bootstrap, group, 2_000), timeout=120)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
        killed = time.time()
        assert sum((await committed_offsets(kafka_bootstrap, group)).values()) < total, "killed mid-stream"

        # The same consumer again, in this process: its start-up is not an interpreter's imports.
        replacement = probe_runtime(database_url, kafka_bootstrap, group, instance_id)
        attach(replacement, topic)
        await replacement.start()
        try:
            await wait_for(lambda: _handled_since(consumer_db, killed), timeout=60)
            resumed = min(t for t in (await handled_times(consumer_db)).values() if t > killed) - killed
            assert resumed < SESSION_TIMEOUT_S / 2, f"the first record after the kill took {resumed:.1f} s"
            ends = await wait_until_consumed(kafka_bootstrap, group, [topic], timeout=180)
        finally:
            await replacement.stop()
        assert sum(ends.values()) == total
        assert await count_effects(consumer_db) == (total, total)
    finally:
        process.kill()
        process.wait(timeout=30)
        await producer.stop()
        await consumer_db.dispose()


def probe_runtime(database_url: str, bootstrap: str, group: str, instance_id: str) -> ServiceRuntime:
    """The probe consumer as ``benchmarks.probe`` runs it."""
    settings = ServiceSettings(database_url=database_url, consumer_group=group, instance_id=instance_id)
    return ServiceRuntime("probe", settings, bootstrap_servers=bootstrap)


async def test_two_live_members_with_one_instance_id_are_warned_of_by_name(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path
) -> None:
    topic = await make_topic(unique("fenced"), partitions=3)
    group, instance_id = unique("group"), unique("pod")
    first, second = (
        probe_runtime(f"sqlite+aiosqlite:///{tmp_path / f'{n}.db'}", kafka_bootstrap, group, instance_id)
        for n in ("first", "second")
    )
    with capture_logs() as logs:
        for runtime in (first, second):
            await runtime.database.create_all(ProbeBase.metadata)
            attach(runtime, topic)
            await runtime.start()
        try:
            await wait_for(lambda: any(e["event"] == "consumer_fenced" for e in logs), timeout=30)
        finally:
            await first.stop()
            await second.stop()
    fenced = next(e for e in logs if e["event"] == "consumer_fenced")
    assert (fenced["log_level"], fenced["instance_id"]) == ("warning", instance_id)
    assert "another live process uses this instance id" in fenced["likely_cause"]


async def _relayed(runtime: ServiceRuntime) -> bool:
    return await runtime.relay.pending() == 0


async def _committed(bootstrap: str, group: str, at_least: int) -> bool:
    return sum((await committed_offsets(bootstrap, group)).values()) >= at_least


async def _handled_since(database: Database, moment: float) -> bool:
    return any(t > moment for t in (await handled_times(database)).values())
