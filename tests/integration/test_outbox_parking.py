"""Outbox rows the real broker refuses are parked; other keys keep flowing; operations release them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

import werkplaats.runtime
from contracts.topics import TopicSpec
from scheduling.main import migrations_location
from support.testing import read_topic, wait_for
from werkplaats import outbox_parking
from werkplaats.migrations import upgrade
from werkplaats.retry import Backoff
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings
from werkplaats.topics_admin import ensure_topics
from werkplaats.unit_of_work import SqlUnitOfWork

LIMIT = 4096
"""The test topic's ``max.message.bytes``."""


@pytest.fixture
async def runtime(
    kafka_bootstrap: str, database_url: str, unique, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ServiceRuntime]:
    """A running service whose database was migrated as the scheduling service migrates it."""
    monkeypatch.setattr(werkplaats.runtime, "READINESS_CACHE_S", 0.0)
    settings = ServiceSettings(
        database_url=database_url, consumer_group=unique("g"), outbox_max_attempts=3, outbox_idle_poll_s=0.05
    )
    service = ServiceRuntime("scheduling", settings, bootstrap_servers=kafka_bootstrap)
    service.relay.refused_backoff = Backoff(0.05, 0.2)
    await upgrade(service.database, migrations_location())
    await service.start()
    yield service
    await service.stop()


async def stage(runtime: ServiceRuntime, *rows: tuple[str, str, bytes]) -> None:
    async with runtime.database.unit_of_work(SqlUnitOfWork) as unit:
        for topic, key, payload in rows:
            unit.publish_raw(topic, payload, key=key)


async def published(bootstrap: str, topic: str) -> list[tuple[str, bytes]]:
    return [((r.key or b"").decode(), r.value or b"") for r in await read_topic(bootstrap, topic)]


async def parked_keys(runtime: ServiceRuntime) -> list[str | None]:
    return [row.key for row in await outbox_parking.parked(runtime.database)]


async def test_a_record_larger_than_the_broker_allows_is_parked_and_the_other_keys_flow(
    kafka_bootstrap: str, unique, runtime: ServiceRuntime
) -> None:
    topic = unique("outbox-size")
    await ensure_topics(kafka_bootstrap, [TopicSpec(topic, 1, {"max.message.bytes": str(LIMIT)})])
    huge = b"x" * (2 * LIMIT)
    await stage(
        runtime,
        (topic, "a", b"a1"),
        (topic, "b", huge),
        (topic, "a", b"a2"),
        (topic, "b", b"b2"),
        (topic, "c", b"c1"),
    )

    await wait_for(lambda: _parked_count(runtime, 2), timeout=30)
    assert await published(kafka_bootstrap, topic) == [("a", b"a1"), ("a", b"a2"), ("c", b"c1")]
    rows = await outbox_parking.parked(runtime.database)
    assert [(row.key, row.size) for row in rows] == [("b", len(huge)), ("b", 2)]
    assert "MessageSizeTooLargeError" in rows[0].reason
    assert rows[0].attempts == 3
    assert rows[1].reason == f"waits behind parked outbox row {rows[0].id} of the same key"

    app = runtime.http_app(title="test")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        ready = (await client.get("/health/ready")).json()
        metrics = (await client.get("/metrics")).text
    assert (ready["status"], ready["outbox_pending"], ready["outbox_parked"]) == ("ok", 0, 2)
    assert "werkplaats_outbox_parked 2.0" in metrics
    assert "werkplaats_outbox_rows_parked_total 2.0" in metrics

    # Operations raise the topic's limit, then release the rows with the CLI: both go, in order.
    await _set_max_message_bytes(kafka_bootstrap, topic, 4 * LIMIT)
    listing = _cli(runtime, "parked")
    assert f"{rows[0].id}\t{topic}\tkey=b\t{len(huge)} bytes\t3 refusals" in listing
    assert "released 2 parked outbox rows" in _cli(runtime, "retry")
    await wait_for(lambda: _parked_count(runtime, 0), timeout=30)
    await wait_for(lambda: _published_count(kafka_bootstrap, topic, 5), timeout=30)
    assert await published(kafka_bootstrap, topic) == [
        ("a", b"a1"),
        ("a", b"a2"),
        ("c", b"c1"),
        ("b", huge),
        ("b", b"b2"),
    ]


async def test_rows_for_a_topic_that_does_not_exist_are_parked_and_other_topics_flow(
    kafka_bootstrap: str, unique, make_topic, runtime: ServiceRuntime
) -> None:
    missing, present = unique("outbox-gone"), await make_topic(unique("outbox-here"), partitions=2)
    await stage(
        runtime, (missing, "x", b"x1"), (present, "y", b"y1"), (missing, "x", b"x2"), (present, "z", b"z1")
    )

    await wait_for(lambda: _parked_count(runtime, 2), timeout=30)
    assert sorted(await published(kafka_bootstrap, present)) == [("y", b"y1"), ("z", b"z1")]
    rows = await outbox_parking.parked(runtime.database)
    assert [row.topic for row in rows] == [missing, missing]
    assert "UnknownTopicOrPartitionError" in rows[0].reason
    assert await runtime.relay.pending() == 0

    # Later rows for the present topic are not held up by the parked ones.
    await stage(runtime, (present, "y", b"y2"))
    await wait_for(lambda: _published_count(kafka_bootstrap, present, 3), timeout=30)

    await ensure_topics(kafka_bootstrap, [TopicSpec(missing, 1)])
    assert await outbox_parking.retry(runtime.database, [rows[0].id, rows[1].id]) == 2
    await wait_for(lambda: _published_count(kafka_bootstrap, missing, 2), timeout=30)
    assert await published(kafka_bootstrap, missing) == [("x", b"x1"), ("x", b"x2")]
    assert await outbox_parking.count(runtime.database) == 0


async def _parked_count(runtime: ServiceRuntime, expected: int) -> bool:
    return await outbox_parking.count(runtime.database) == expected


async def _published_count(bootstrap: str, topic: str, expected: int) -> bool:
    return len(await read_topic(bootstrap, topic)) >= expected


async def _set_max_message_bytes(bootstrap: str, topic: str, size: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        resource = ConfigResource(ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": str(size)})
        await admin.alter_configs([resource])
    finally:
        await admin.close()


def _cli(runtime: ServiceRuntime, *arguments: str) -> str:
    environment = {**os.environ, "SCHEDULING_DATABASE_URL": runtime.database.url}
    done = subprocess.run(
        [sys.executable, "-m", "werkplaats", "outbox", *arguments, "scheduling"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
