"""Reading topics again: a consumer group moved back to a moment, a topic read up to its end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from werkplaats.follower import topic_partitions
from werkplaats.kafka_security import Security, client_options
from werkplaats.runtime import ServiceRuntime


def consumer_groups(runtime: ServiceRuntime) -> dict[str, tuple[str, ...]]:
    """Each consumer group the service's runtime subscribes, with its topics (patterns excepted)."""
    groups: dict[str, tuple[str, ...]] = {}
    for subscriber in runtime.broker.subscribers:
        group = getattr(subscriber, "group_id", None)
        if group:
            topics = getattr(subscriber, "topic_names", ())
            groups[group] = tuple(sorted({*groups.get(group, ()), *topics}))
    return groups


async def _partitions(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    found = []
    for topic in topics:
        found += await topic_partitions(consumer, topic)
    return found


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def positions_at(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], since: datetime | None
) -> dict[TopicPartition, int]:
    """The first offset of each partition at or after ``since`` (its end if none; the start if no moment)."""
    if not partitions:
        return {}
    if since is None:
        return dict(await consumer.beginning_offsets(partitions))
    ends = await consumer.end_offsets(partitions)
    found = await consumer.offsets_for_times({partition: _millis(since) for partition in partitions})
    return {
        partition: found[partition].offset if found.get(partition) else ends[partition]
        for partition in partitions
    }


async def rewind_group(
    bootstrap: str,
    group: str,
    topics: Iterable[str],
    *,
    since: datetime | None = None,
    security: Security = None,
) -> dict[TopicPartition, int]:
    """Commit, for ``group``, the offsets of ``since`` (default: the beginning); return them.

    The group must have no members (its service stopped): a running member would commit over them.
    """
    consumer = _group_member(bootstrap, group, security)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topics)
        offsets = await positions_at(consumer, partitions, since)
        if offsets:
            consumer.assign(partitions)
            await consumer.commit(dict(offsets.items()))
        return offsets
    finally:
        await consumer.stop()


async def commit_group(
    bootstrap: str, group: str, offsets: dict[TopicPartition, int], *, security: Security = None
) -> dict[TopicPartition, int]:
    """Commit ``offsets`` for ``group`` (a topic no longer there is passed over); return what was committed.

    The group must have no members (its service stopped): a running member would commit over them.
    """
    consumer = _group_member(bootstrap, group, security)
    await consumer.start()
    try:
        existing = set(await consumer.topics())
        kept = {partition: offset for partition, offset in offsets.items() if partition.topic in existing}
        if kept:
            consumer.assign(list(kept))
            await consumer.commit(kept)
        return kept
    finally:
        await consumer.stop()


def _group_member(bootstrap: str, group: str, security: Security) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        client_id=f"{group}-rewind",
        **client_options(security),
    )


async def read_topic(
    bootstrap: str, topic: str, *, since: datetime | None = None, security: Security = None
) -> AsyncIterator[ConsumerRecord[Any, Any]]:
    """Every record of ``topic`` from ``since`` (default: the beginning) to its end when called."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options(security)
    )
    await consumer.start()
    try:
        partitions = await _partitions(consumer, [topic])
        starts = await positions_at(consumer, partitions, since)
        ends = await consumer.end_offsets(partitions) if partitions else {}
        left = {partition for partition in partitions if starts[partition] < ends[partition]}
        consumer.assign(partitions)
        for partition in partitions:
            consumer.seek(partition, starts[partition])
        while left:
            batches = await consumer.getmany(*left, timeout_ms=1000)
            for partition, records in batches.items():
                for record in records:
                    if record.offset < ends[partition]:
                        yield record
                if records and records[-1].offset + 1 >= ends[partition]:
                    left.discard(partition)
    finally:
        await consumer.stop()


async def committed_offsets(
    bootstrap: str, group: str, *, security: Security = None
) -> dict[TopicPartition, int]:
    """The offsets ``group`` has committed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options(security))
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {partition: metadata.offset for partition, metadata in found.items() if metadata.offset >= 0}
