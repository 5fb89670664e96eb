"""Committing consumed offsets explicitly, at most every so often, and never past what was processed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

log = structlog.get_logger(__name__)


class OffsetCommitter:
    """Commits the offsets after processed records: at once when asked, else within ``interval_s``.

    Offsets may trail the effects (a redelivered event finds its inbox record and does nothing), so a
    busy consumer commits a few times a second rather than after every batch; an idle one still commits
    its last batch when the interval ends. Only offsets of records handed to ``processed`` are committed,
    never the consumer's position, which may already be past records still being handled.
    """

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def processed(
        self, consumer: AIOKafkaConsumer, records: Iterable[ConsumerRecord[Any, Any]], *, now: bool = False
    ) -> None:
        """Note ``records`` as processed; commit now if asked or if the interval has passed."""
        self._consumer = consumer
        for record in records:
            partition = TopicPartition(record.topic, record.partition)
            self._pending[partition] = max(self._pending.get(partition, 0), record.offset + 1)
        if now or time.monotonic() - self._last >= self.interval_s:
            await self.commit()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.interval_s, self._commit_later)

    def _commit_later(self) -> None:
        self._timer = None
        task = asyncio.create_task(self.commit())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def commit(self) -> None:
        """Commit every pending offset."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        offsets, self._pending = self._pending, {}
        self._last = time.monotonic()
        if not offsets or self._consumer is None:
            return
        try:
            await self._consumer.commit(offsets)
        except (
            KafkaError
        ) as error:  # e.g. the partitions went to another member: it redelivers, the inbox drops
            log.warning("offset_commit_failed", error=str(error))

    async def close(self) -> None:
        """Stop the timer and wait for a commit in flight."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
