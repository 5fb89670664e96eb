"""A service's database restored from a dump, or rebuilt from its topics, inside a running system."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from werkplaats.backup import DumpInfo, GroupOffsets, dump, restore
from werkplaats.errors import WerkplaatsError
from werkplaats.follower import topic_partitions
from werkplaats.kafka_security import client_options
from werkplaats.replay import commit_group, committed_offsets, consumer_groups, rewind_group
from werkplaats.services import ServiceDefinition
from werkplaats.settings import ServiceSettings

log = structlog.get_logger(__name__)

POLL_S = 0.2


class RebuildTimeoutError(WerkplaatsError, TimeoutError):
    """The rebuild did not reach the end of the topics in time."""


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did: the dump, the groups moved back, the effects reconciled."""

    dump: DumpInfo
    groups: dict[str, int]
    """Each consumer group and how many partitions were moved back."""
    reconciled: int


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild read and how long it took."""

    events: int
    seconds: float

    @property
    def rate(self) -> float:
        """Events per second."""
        return self.events / self.seconds if self.seconds else 0.0


async def group_offsets(
    definition: ServiceDefinition, settings: ServiceSettings, *, bootstrap: str
) -> GroupOffsets:
    """The offsets each consumer group of the service has committed now (pattern groups included)."""
    runtime = definition.create_runtime(settings, bootstrap_servers=bootstrap)
    try:
        groups = sorted(consumer_groups(runtime))
    finally:
        await runtime.database.dispose()
    found: GroupOffsets = {}
    for group in groups:
        committed = await committed_offsets(bootstrap, group, security=settings)
        found[group] = {f"{p.topic}:{p.partition}": offset for p, offset in sorted(committed.items())}
    return found


async def dump_service(
    definition: ServiceDefinition, settings: ServiceSettings, path: Path, *, bootstrap: str
) -> DumpInfo:
    """Dump the running service's database with the offsets its groups had committed just before."""
    offsets = await group_offsets(definition, settings, bootstrap=bootstrap)
    return await asyncio.to_thread(
        dump, definition.name, settings.database_url_of(definition.name), path, offsets=offsets
    )


async def restore_service(
    definition: ServiceDefinition, settings: ServiceSettings, path: Path, *, bootstrap: str
) -> RestoreReport:
    """Restore the dump at ``path`` into the (stopped) service's database, then let it catch up safely.

    A dump with offsets rewinds each group to exactly them; one without, to the moment of the dump less
    the margin.
    """
    info = await asyncio.to_thread(restore, settings.database_url_of(definition.name), path)
    if not info.offsets:
        groups, reconciled = await catch_up(definition, settings, info.replay_from, bootstrap=bootstrap)
        return RestoreReport(info, groups, reconciled)
    groups = {}
    for group, recorded in info.offsets.items():
        groups[group] = len(await rewind_to(bootstrap, group, recorded, settings))
    reconciled = 0
    if definition.reconcile is not None:
        reconciled = await definition.reconcile(settings, bootstrap, info.replay_from)
    log.info("service_restored", service=definition.name, groups=groups, taken_at=info.taken_at.isoformat())
    return RestoreReport(info, groups, reconciled)


async def rewind_to(
    bootstrap: str, group: str, recorded: dict[str, int], settings: ServiceSettings
) -> dict[TopicPartition, int]:
    """Move ``group`` back to the ``recorded`` offsets; partitions it began after the dump, to their start."""
    target = {TopicPartition(*_split(name)): offset for name, offset in recorded.items()}
    for partition in await committed_offsets(bootstrap, group, security=settings):
        target.setdefault(partition, 0)  # out of range is reset to the earliest offset kept
    return await commit_group(bootstrap, group, target, security=settings)


def _split(name: str) -> tuple[str, int]:
    topic, _, partition = name.rpartition(":")
    return topic, int(partition)


async def catch_up(
    definition: ServiceDefinition, settings: ServiceSettings, since: datetime, *, bootstrap: str
) -> tuple[dict[str, int], int]:
    """Prepare a (stopped) service whose database was restored to ``since`` to read on from there.

    Its consumer groups go back to ``since``: events after it are read again when the service starts,
    the inbox drops those already in the database, and ``reconcile`` first takes in the effects the
    service's own topics record since then, so none is repeated. Returns the partitions moved per
    group and the effects taken in.
    """
    runtime = definition.create_runtime(settings, bootstrap_servers=bootstrap)
    try:
        groups = {}
        for group, topics in consumer_groups(runtime).items():
            committed = await committed_offsets(bootstrap, group, security=settings)
            read = sorted({*topics, *(partition.topic for partition in committed)})  # a pattern's topics too
            moved = await rewind_group(bootstrap, group, read, since=since, security=settings)
            groups[group] = len(moved)
    finally:
        await runtime.database.dispose()
    reconciled = 0
    if definition.reconcile is not None:
        reconciled = await definition.reconcile(settings, bootstrap, since)
    log.info("service_caught_up", service=definition.name, since=since.isoformat(), groups=groups)
    return groups, reconciled


async def _end_offsets(
    bootstrap: str, topics: set[str], settings: ServiceSettings
) -> tuple[dict[TopicPartition, int], int]:
    """The end offset of every partition of ``topics``, and how many records lie before them."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, **client_options(settings))
    await consumer.start()
    try:
        partitions = [found for topic in sorted(topics) for found in await topic_partitions(consumer, topic)]
        if not partitions:
            return {}, 0
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
    finally:
        await consumer.stop()
    return dict(ends), sum(ends[p] - starts[p] for p in partitions)


async def _caught_up(
    bootstrap: str, targets: dict[str, dict[TopicPartition, int]], settings: ServiceSettings
) -> bool:
    for group, ends in targets.items():
        committed = await committed_offsets(bootstrap, group, security=settings)
        if any(committed.get(partition, 0) < end for partition, end in ends.items() if end > 0):
            return False
    return True


async def rebuild_service(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    *,
    bootstrap: str,
    timeout: float = 3600.0,
) -> RebuildReport:
    """Fill the (empty) database of ``settings`` from the topics the service reads, up to their ends now.

    The service runs under consumer groups of its own (``<name>-rebuild-<id>``) from the beginning of
    each topic, and stops once every group has processed what the topics held when it began. For a
    service whose state is what it read (the dashboard's read model); a service that publishes while
    it consumes would publish again.
    """
    group = f"{definition.name}-rebuild-{uuid.uuid4().hex[:8]}"
    rebuilding = settings.model_copy(update={"consumer_group": group, "start_from": "earliest"})
    runtime = definition.create_runtime(rebuilding, bootstrap_servers=bootstrap)
    targets: dict[str, dict[TopicPartition, int]] = {}
    events = 0
    for name, topics in consumer_groups(runtime).items():
        targets[name], count = await _end_offsets(bootstrap, set(topics), settings)
        events += count
    started = time.perf_counter()
    await runtime.start()
    try:
        deadline = started + timeout
        while not await _caught_up(bootstrap, targets, settings):
            if time.perf_counter() > deadline:
                raise RebuildTimeoutError(f"{definition.name} did not catch up within {timeout:.0f} s")
            await asyncio.sleep(POLL_S)
    finally:
        await runtime.stop()
    report = RebuildReport(events, time.perf_counter() - started)
    log.info("service_rebuilt", service=definition.name, events=events, seconds=round(report.seconds, 2))
    return report
