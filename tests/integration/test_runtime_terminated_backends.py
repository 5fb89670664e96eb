"""A service's PostgreSQL backends terminated mid-stream: every accepted event has its effect exactly once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from benchmarks.probe import ProbeBase, attach, probe_events, stage
from support.testing import wait_for, wait_until_consumed
from werkplaats.db import Database
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings

TOTAL = 3_000
OTHERS = "datname = current_database() AND pid <> pg_backend_pid()"
"""The test database's backends but the admin's own."""
PER_TRANSACTION = 20


async def stage_through_terminations(database: Database, topic: str) -> int:
    """Commit probe events as an API would, a few per transaction; how many transactions failed.

    A transaction whose connection is terminated fails (perhaps after its commit reached the server):
    the outbox, read at the end, says which events were accepted.
    """
    events = probe_events(TOTAL, run="terminated")
    failed = 0
    for start in range(0, TOTAL, PER_TRANSACTION):
        try:
            await stage(database, topic, events[start : start + PER_TRANSACTION])
        except DBAPIError:  # the caller of an API would see an error and could try again
            failed += 1
        await asyncio.sleep(0)
    return failed


async def terminate_backends(admin: asyncpg.Connection) -> list[int]:
    """Terminate every backend of the test's database but the admin's own; their process ids."""
    terminated = await admin.fetchval(  # FILTER runs on the rows WHERE kept, never on the admin's own
        f"SELECT array_agg(pid) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {OTHERS}"
    )
    return list(terminated or [])


async def connected_again(admin: asyncpg.Connection, gone: list[int]) -> bool:
    """Whether the service has a backend that was not terminated yet."""
    return bool(
        await admin.fetchval(f"SELECT count(*) FROM pg_stat_activity WHERE {OTHERS} AND pid <> ALL($1)", gone)
    )


async def effects(admin: asyncpg.Connection) -> Counter[str]:
    """How often each event id has an effect."""
    rows = await admin.fetch("SELECT event_id, count(*) FROM probe_effects GROUP BY event_id")
    return Counter({event_id: count for event_id, count in rows})


async def accepted(admin: asyncpg.Connection) -> list[str]:
    """The event ids committed to the outbox."""
    return [json.loads(payload)["event_id"] for (payload,) in await admin.fetch("SELECT payload FROM outbox")]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_backends_terminated_four_times_mid_stream_lose_and_repeat_nothing(
    kafka_bootstrap: str, make_topic, unique, database_url: str
) -> None:
    topic = await make_topic(unique("terminated"), partitions=3)
    settings = ServiceSettings(database_url=database_url, consumer_group=unique("group"))
    runtime = ServiceRuntime("probe", settings, bootstrap_servers=kafka_bootstrap)
    await runtime.database.create_all(ProbeBase.metadata)
    attach(runtime, topic)
    admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    await runtime.start()
    staging = asyncio.create_task(stage_through_terminations(runtime.database, topic))
    try:
        terminated: list[list[int]] = []
        for threshold in (300, 900, 1_500, 2_100):
            await wait_for(lambda t=threshold: _effects_reach(admin, t), timeout=120)
            # A batch may pass two thresholds at once: the service must have connected again since.
            gone = [pid for pids in terminated for pid in pids]
            await wait_for(lambda gone=gone: connected_again(admin, gone), timeout=120)
            terminated.append(await terminate_backends(admin))
        failed_transactions = await asyncio.wait_for(staging, timeout=120)
        await wait_for(lambda: _all_relayed(admin), timeout=120)
        await wait_until_consumed(kafka_bootstrap, runtime.consumer_group, [topic], timeout=120)
        wanted = await accepted(admin)
        done = await effects(admin)
        assert all(terminated), f"each round terminated the service's backends: {terminated}"
        assert len(wanted) >= TOTAL - failed_transactions * PER_TRANSACTION
        assert set(done) == set(wanted), "every accepted event has its effect, and nothing else has one"
        assert max(done.values()) == 1, "no effect twice"
    finally:
        staging.cancel()
        await runtime.stop()
        await admin.close()


async def _effects_reach(admin: asyncpg.Connection, wanted: int) -> bool:
    return int(await admin.fetchval("SELECT count(*) FROM probe_effects")) >= wanted


async def _all_relayed(admin: asyncpg.Connection) -> bool:
    return not await admin.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
