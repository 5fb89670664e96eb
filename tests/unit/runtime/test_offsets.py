"""Offsets are committed after processed records only: at once when asked, else within the interval."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import TopicPartition

from werkplaats.offsets import OffsetCommitter


@dataclass
class Record:
    topic: str
    partition: int
    offset: int


class Consumer:
    def __init__(self) -> None:
        self.commits: list[dict[TopicPartition, int]] = []

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))


async def test_the_first_batch_commits_the_offsets_after_its_records() -> None:
    consumer, committer = Consumer(), OffsetCommitter(interval_s=10)
    await committer.processed(consumer, [Record("t", 0, 4), Record("t", 0, 5), Record("t", 1, 9)])
    assert consumer.commits == [{TopicPartition("t", 0): 6, TopicPartition("t", 1): 10}]


async def test_later_batches_wait_for_the_interval_then_commit_without_new_records() -> None:
    consumer, committer = Consumer(), OffsetCommitter(interval_s=0.05)
    await committer.processed(consumer, [Record("t", 0, 1)])
    await committer.processed(consumer, [Record("t", 0, 2)])
    assert len(consumer.commits) == 1
    await asyncio.sleep(0.15)
    assert consumer.commits[-1] == {TopicPartition("t", 0): 3}
    await committer.close()


async def test_asking_commits_at_once() -> None:
    consumer, committer = Consumer(), OffsetCommitter(interval_s=10)
    await committer.processed(consumer, [Record("t", 0, 1)])
    await committer.processed(consumer, [Record("t", 0, 7)], now=True)
    assert consumer.commits[-1] == {TopicPartition("t", 0): 8}


async def test_nothing_pending_commits_nothing() -> None:
    consumer, committer = Consumer(), OffsetCommitter(interval_s=10)
    await committer.processed(consumer, [Record("t", 0, 1)])
    await committer.commit()
    assert len(consumer.commits) == 1
