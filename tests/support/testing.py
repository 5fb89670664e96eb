"""Helpers for tests of Werkplaats services: waiting for conditions, reading topics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from werkplaats.follower import caught_up
from werkplaats.kafka_security import Security, client_options


async def wait_for(condition: Callable[[], object], *, timeout: float = 60.0, interval: float = 0.05) -> None:
    """Wait until ``condition()`` (sync or async) is truthy, or fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


async def read_topic(
    bootstrap: str, topic: str, *, timeout: float = 10.0, security: Security = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record currently in ``topic``, partition by partition (``security``: how to log in)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 << 20,
        **client_options(security),
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await caught_up(consumer, ends):
            if loop.time() > deadline:
                raise AssertionError(f"could not read {topic} to its end within {timeout} s")
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


def stub_resolver(names: dict[str, list[str]]) -> Callable[[str, int], Awaitable[Sequence[str]]]:
    """A resolver for the guarded outbound client that answers from ``names`` (and fails for others)."""

    async def resolve(host: str, _port: int) -> Sequence[str]:
        if host not in names:
            raise OSError(f"{host} is not in the stub resolver")
        return names[host]

    return resolve
