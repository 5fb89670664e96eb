"""Helpers for tests of Werkplaats services: waiting for conditions, reading topics."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    CoordinatorLoadInProgressError,
    GroupCoordinatorNotAvailableError,
    NotCoordinatorError,
)
from aiokafka.structs import RecordMetadata

from werkplaats.db import Database
from werkplaats.follower import caught_up
from werkplaats.kafka_security import Security, client_options
from werkplaats.migrations import upgrade


@asynccontextmanager
async def migrated_database(url: str, migrations: str) -> AsyncIterator[Database]:
    """The database at ``url`` migrated with ``migrations`` to the latest schema; disposed of afterwards."""
    database = Database(url)
    await upgrade(database, migrations)
    try:
        yield database
    finally:
        await database.dispose()


_WIJKEN_DRAWN: set[int] = set()


def fresh_wijk_digits() -> str:
    """The six digits of a wijk code no real municipality has (GM9xxx), never drawn twice in one test run.

    Tests on one broker share ``scheduling.agenda``, and every agenda view reads all of it: a wijk two
    tests drew would show each of them the other's activities and conflicts.
    """
    while (digits := random.randrange(900_000, 1_000_000)) in _WIJKEN_DRAWN:
        continue
    _WIJKEN_DRAWN.add(digits)
    return str(digits)


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


@contextmanager
def loopback_only() -> Iterator[list[Any]]:
    """Refuse every socket connection beyond loopback while open; yields the addresses refused.

    For tests that name outside addresses: proof that none of them was ever connected to.
    """
    refused: list[Any] = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def beyond_loopback(address: Any) -> bool:
        if not isinstance(address, tuple):
            return False  # a Unix socket
        host = ipaddress.ip_address(str(address[0]).split("%")[0])
        mapped = getattr(host, "ipv4_mapped", None)
        return not (mapped or host).is_loopback

    def guarded(original: Callable[..., Any]) -> Callable[..., Any]:
        def attempt(self: socket.socket, address: Any) -> Any:
            if beyond_loopback(address):
                refused.append(address)
                raise ConnectionRefusedError(f"tests reach only loopback, not {address}")
            return original(self, address)

        return attempt

    socket.socket.connect = guarded(connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded(connect_ex)  # type: ignore[method-assign]
    try:
        yield refused
    finally:
        socket.socket.connect, socket.socket.connect_ex = connect, connect_ex  # type: ignore[method-assign]


async def end_offsets(
    bootstrap: str, topics: Iterable[str], *, security: Security = None
) -> dict[TopicPartition, int]:
    """The end offset of every partition of ``topics`` now."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options(security)
    )
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        return dict(await consumer.end_offsets(partitions)) if partitions else {}
    finally:
        await consumer.stop()


async def start_groups_at_end(bootstrap: str, groups: Callable[[list[str]], dict[str, list[str]]]) -> None:
    """Commit consumer groups at the end of their topics now, so they start there.

    ``groups`` names, from the broker's topics, the topics of each group. The broker is shared by every
    test of a session: a new group would otherwise replay every earlier test's events before its own.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        topics = sorted(await consumer.topics())
        await consumer._client.force_metadata_update()  # every topic's partitions, not just subscribed ones
        for group, names in groups(topics).items():
            partitions = [TopicPartition(t, p) for t in names for p in consumer.partitions_for_topic(t) or ()]
            if not partitions:
                continue
            ends = await consumer.end_offsets(partitions)
            committer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
            await committer.start()
            try:
                committer.assign(partitions)
                await committer.commit(ends)
            finally:
                await committer.stop()
    finally:
        await consumer.stop()


async def committed_offsets(
    bootstrap: str, group: str, *, security: Security = None
) -> dict[TopicPartition, int]:
    """The offsets ``group`` has committed, by partition (none before its coordinator answers)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options(security))
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    except (GroupCoordinatorNotAvailableError, CoordinatorLoadInProgressError, NotCoordinatorError):
        return {}  # a broker that has not yet loaded the group's coordinator: nothing committed we can see
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}


async def wait_until_consumed(
    bootstrap: str,
    group: str,
    topics: Iterable[str],
    *,
    timeout: float = 60.0,
    security: Security = None,
) -> dict[TopicPartition, int]:
    """Wait until ``group`` has committed every record that is in ``topics`` now; the offsets reached.

    A consumer commits an offset only after the record's effect is committed, so this is the positive
    signal that everything sent so far has been processed: nothing more of it can still arrive.
    """
    ends = await end_offsets(bootstrap, list(topics), security=security)
    await wait_until_committed(bootstrap, group, ends, timeout=timeout, security=security)
    return ends


async def wait_until_committed(
    bootstrap: str,
    group: str,
    offsets: Mapping[TopicPartition, int],
    *,
    timeout: float = 60.0,
    security: Security = None,
) -> None:
    """Wait until ``group``'s committed offset reaches ``offsets`` on each of their partitions."""

    async def reached() -> bool:
        committed = await committed_offsets(bootstrap, group, security=security)
        return all(committed.get(tp, 0) >= offset for tp, offset in offsets.items())

    await wait_for(reached, timeout=timeout, interval=0.1)


def next_offsets(sent: Iterable[RecordMetadata]) -> dict[TopicPartition, int]:
    """For records just sent: per partition, the offset a consumer has committed once it has them all."""
    reached: dict[TopicPartition, int] = {}
    for metadata in sent:
        tp = TopicPartition(metadata.topic, metadata.partition)
        reached[tp] = max(reached.get(tp, 0), metadata.offset + 1)
    return reached
