"""A stand-in for an aiokafka consumer of one partition, for followers tested without a broker."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition

TOPIC = "views.test"
PARTITION = TopicPartition(TOPIC, 0)


class FakeConsumer:
    """One partition holding ``history`` records; ``gate`` holds up the step named by ``hold``."""

    def __init__(
        self, history: int = 3, *, hold: str = "", fail_start: bool = False, value: bytes = b"old"
    ) -> None:
        self.value = value
        self.history = history
        self.hold = hold
        self.fail_start = fail_start
        self.gate = asyncio.Event()
        self.reached = asyncio.Event()
        self.position_ = 0
        self.started = self.stopped = False
        self.news: asyncio.Queue[int] = asyncio.Queue()
        self.topic = TOPIC
        self.partition = PARTITION
        self._client = SimpleNamespace(force_metadata_update=self._refresh)

    async def _refresh(self) -> None:
        await asyncio.sleep(0)

    async def _maybe_hold(self, step: str) -> None:
        if self.hold == step:
            self.reached.set()
            await self.gate.wait()

    async def start(self) -> None:
        self.started = True
        await self._maybe_hold("start")
        if self.fail_start:
            raise ConnectionError("the broker does not answer")

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {0} if topic == self.topic else None

    def assign(self, partitions: list[TopicPartition]) -> None:
        assert partitions == [self.partition]

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        self.position_ = 0

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {self.partition: self.history}

    async def position(self, partition: TopicPartition) -> int:
        return self.position_

    async def getmany(self, timeout_ms: int = 0) -> dict[TopicPartition, list[Any]]:
        if self.position_ < self.history:
            await self._maybe_hold("load")
            offset, self.position_ = self.position_, self.position_ + 1
            return {self.partition: [SimpleNamespace(offset=offset, value=self.value)]}
        await self._maybe_hold("follow")
        try:
            offset = await asyncio.wait_for(self.news.get(), timeout_ms / 1000)
        except TimeoutError:
            return {}
        return {self.partition: [SimpleNamespace(offset=offset, value=b"new")]}

    async def stop(self) -> None:
        self.stopped = True
