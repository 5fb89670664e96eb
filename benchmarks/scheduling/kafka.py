"""Kafka plumbing of the broker benchmark: partitions, group lag, tailing conflicts, a raw consume loop."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient

from benchmarks.tail import TopicTail, partitions_of
from contracts.topics import SCHEDULING_CONFLICTS


async def send_all(producer: AIOKafkaProducer, topic: str, records: Sequence[tuple[bytes, bytes]]) -> None:
    """Send records as fast as the producer takes them, then wait for every acknowledgement."""
    futures = [await producer.send(topic, value, key=key) for key, value in records]
    await asyncio.gather(*futures)


async def committed_lag(bootstrap: str, group: str, pattern: str) -> int:
    """Messages in topics matching ``pattern`` that ``group`` has not committed yet."""
    partitions = await partitions_of(bootstrap, pattern)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
        await consumer.stop()
    done = {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}
    return sum(max(0, ends[tp] - done.get(tp, starts[tp])) for tp in partitions)


class Stamps(NamedTuple):
    """Wall-clock moments (epoch seconds) of one conflict on its way to the tail."""

    occurred: float
    """The conflict event's ``occurred_at``: set by the detector, inside the intake's transaction."""
    relayed: float
    """The Kafka record's timestamp: set when the outbox relay hands the record to its producer."""
    read: float
    """When the tail read the record."""


class ConflictTail(TopicTail):
    """Tails ``scheduling.conflicts`` from its end, noting when each probe's overlap was first detected."""

    topic = SCHEDULING_CONFLICTS

    def __init__(self, bootstrap: str, organisation: str) -> None:
        super().__init__(bootstrap)
        self.organisation = organisation
        self.received: dict[str, float] = {}
        self.stamps: dict[str, Stamps] = {}
        """Per probe, the moments its first conflict passed on the way (the hops of the path)."""
        self._epoch_offset = time.time() - time.perf_counter()
        self.expected = 0
        self.all_received = asyncio.Event()

    def note(self, record: ConsumerRecord[Any, Any], now: float) -> None:
        """Note the first detection of each probe's overlap."""
        self._note(json.loads(record.value), now, record.timestamp / 1e3, now + self._epoch_offset)

    def _note(self, document: dict[str, object], now: float, relayed: float, read: float) -> None:
        data = document.get("data")
        if document.get("type") != "conflict.detected" or not isinstance(data, dict):
            return
        if data.get("rule") == "neighbourhood_overlap":
            occurred = datetime.fromisoformat(str(document.get("occurred_at"))).timestamp()
            for member in data.get("activities", []):
                if member["organisation"] == self.organisation and member["activity_id"] not in self.received:
                    self.received[member["activity_id"]] = now
                    self.stamps[member["activity_id"]] = Stamps(occurred, relayed, read)
        if self.expected and len(self.received) >= self.expected:
            self.all_received.set()


async def publish_steadily(
    producer: AIOKafkaProducer, topic: str, records: Sequence[tuple[bytes, bytes]], rate: float
) -> dict[str, float]:
    """Send one record every ``1/rate`` seconds; the send moment (``perf_counter``) of each key."""
    sent: dict[str, float] = {}
    futures = []
    started = time.perf_counter()
    for index, (key, value) in enumerate(records):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[key.decode()] = time.perf_counter()
        futures.append(await producer.send(topic, value, key=key))
    await asyncio.gather(*futures)
    return sent


async def raw_consume(bootstrap: str, topic: str, count: int, group: str) -> float:
    """Seconds a plain consumer takes to read ``count`` records of ``topic`` from the start, committing."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    partitions = await partitions_of(bootstrap, rf"^{re.escape(topic)}$")
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        started, received = time.perf_counter(), 0
        while received < count:
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            received += sum(len(batch) for batch in batches.values())
            if batches:
                await consumer.commit()
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def delete_topics(bootstrap: str, topics: Sequence[str]) -> None:
    """Delete this run's own partner topics, so later schedulers need not replay them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(list(topics))
    finally:
        await admin.close()
