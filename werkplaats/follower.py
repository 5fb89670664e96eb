"""Reading a whole topic (every partition, no consumer group) to its end, then following it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from werkplaats.background import BackgroundTask
from werkplaats.kafka_security import Security, client_options
from werkplaats.retry import Backoff, repeat

log = structlog.get_logger(__name__)

Apply = Callable[[Iterable[ConsumerRecord[bytes, bytes]]], None]


class TopicFollower:
    """Hands every record of ``topic`` to ``apply``: all history first (``start`` returns then), then news.

    For views every instance keeps whole, such as the organisations or the agenda: no consumer group,
    no committed offsets; a restart reads the (compacted) topic again.
    """

    def __init__(
        self, bootstrap_servers: str, topic: str, apply: Apply, *, client_id: str, security: Security = None
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.apply = apply
        self.client_id = client_id
        self.security = security
        self._consumer: AIOKafkaConsumer | None = None
        self._background = BackgroundTask(self._follow, f"follow-{topic}")

    async def start(self) -> None:
        """Read the topic to its end, then follow it in the background."""
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            enable_auto_commit=False,
            client_id=self.client_id,
            max_partition_fetch_bytes=4 << 20,
            **client_options(self.security),
        )
        await self._consumer.start()
        partitions = await topic_partitions(self._consumer, self.topic)
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        ends = await self._consumer.end_offsets(partitions)
        while not await caught_up(self._consumer, ends):
            for batch in (await self._consumer.getmany(timeout_ms=500)).values():
                self.apply(batch)
        self._background.start()

    async def _follow(self) -> None:
        await repeat(self._read, event="topic_follower_failed", backoff=Backoff.constant(1), topic=self.topic)

    async def _read(self) -> None:
        assert self._consumer is not None
        for batch in (await self._consumer.getmany(timeout_ms=1000)).values():
            self.apply(batch)

    async def stop(self) -> None:
        """Stop following."""
        await self._background.stop()
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None


async def caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    """Whether ``consumer`` has read every partition up to ``ends``."""
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return False
    return True


async def topic_partitions(
    consumer: AIOKafkaConsumer, topic: str, attempts: int = 20
) -> list[TopicPartition]:
    """Every partition of ``topic`` (metadata refreshed for a new topic); an error if it does not exist."""
    for _ in range(attempts):
        found: Any = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, number) for number in sorted(found)]
        await consumer._client.force_metadata_update()
    raise RuntimeError(f"topic {topic} does not exist; run `werkplaats kafka topics`")
