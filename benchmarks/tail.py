"""Tailing a topic from its end during a benchmark, noting when records arrive."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def partitions_of(bootstrap: str, pattern: str) -> list[TopicPartition]:
    """Return every partition of the topics whose name matches ``pattern``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [topic for topic in await admin.list_topics() if re.match(pattern, topic)]
        described = await admin.describe_topics(topics) if topics else []
    finally:
        await admin.close()
    return [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]


class TopicTail:
    """Reads ``topic`` from its end in the background; subclasses say what each record means (``note``)."""

    topic: str

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self._task: asyncio.Task[None] | None = None

    def note(self, record: ConsumerRecord[Any, Any], now: float) -> None:
        """Take in one record that arrived at ``now`` (``perf_counter``)."""
        raise NotImplementedError

    async def start(self) -> None:
        """Assign every partition at its end and start reading."""
        partitions = await partitions_of(self.bootstrap, rf"^{re.escape(self.topic)}$")
        await self.consumer.start()
        self.consumer.assign(partitions)
        await self.consumer.seek_to_end(*partitions)
        for partition in partitions:
            await self.consumer.position(partition)
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        """Stop reading."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.consumer.stop()

    async def _read(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    self.note(record, now)
