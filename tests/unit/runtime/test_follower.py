"""The topic follower without a broker: it loads, follows, retries, and stops in every state."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition

from support.testing import wait_for
from werkplaats import follower as follower_module
from werkplaats.follower import FollowerState, TopicFollower

TOPIC = "views.test"
PARTITION = TopicPartition(TOPIC, 0)


class FakeConsumer:
    """One partition holding ``history`` records; ``gate`` holds up the step named by ``hold``."""

    def __init__(self, history: int = 3, *, hold: str = "", fail_start: bool = False) -> None:
        self.history = history
        self.hold = hold
        self.fail_start = fail_start
        self.gate = asyncio.Event()
        self.reached = asyncio.Event()
        self.position_ = 0
        self.started = self.stopped = False
        self.news: asyncio.Queue[int] = asyncio.Queue()
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
        return {0} if topic == TOPIC else None

    def assign(self, partitions: list[TopicPartition]) -> None:
        assert partitions == [PARTITION]

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        self.position_ = 0

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {PARTITION: self.history}

    async def position(self, partition: TopicPartition) -> int:
        return self.position_

    async def getmany(self, timeout_ms: int = 0) -> dict[TopicPartition, list[Any]]:
        if self.position_ < self.history:
            await self._maybe_hold("load")
            offset, self.position_ = self.position_, self.position_ + 1
            return {PARTITION: [SimpleNamespace(offset=offset, value=b"old")]}
        await self._maybe_hold("follow")
        try:
            offset = await asyncio.wait_for(self.news.get(), timeout_ms / 1000)
        except TimeoutError:
            return {}
        return {PARTITION: [SimpleNamespace(offset=offset, value=b"new")]}

    async def stop(self) -> None:
        self.stopped = True


class Made:
    """The consumers a follower made, in order, and what it applied."""

    def __init__(self, *consumers: FakeConsumer) -> None:
        self.consumers = list(consumers)
        self.made: list[FakeConsumer] = []
        self.applied: list[bytes] = []

    def next(self) -> Any:
        consumer = self.consumers[min(len(self.made), len(self.consumers) - 1)]
        self.made.append(consumer)
        return consumer

    def follower(self) -> TopicFollower:
        return TopicFollower(
            "unused:9092",
            TOPIC,
            lambda records: self.applied.extend(r.value for r in records),
            client_id="test",
            new_consumer=self.next,
        )


async def stopped_within(follower: TopicFollower, seconds: float = 5.0) -> None:
    await asyncio.wait_for(follower.stop(), seconds)
    assert follower.state is FollowerState.STOPPED


async def test_start_reads_the_history_then_follows_news() -> None:
    made = Made(consumer := FakeConsumer(history=3))
    follower = made.follower()
    await follower.start()
    assert follower.loaded
    assert made.applied == [b"old"] * 3
    consumer.news.put_nowait(3)
    await wait_for(lambda: made.applied[-1:] == [b"new"], timeout=5)
    assert follower.records == 4
    await stopped_within(follower)
    assert consumer.stopped


async def test_stop_before_start_does_nothing() -> None:
    made = Made(FakeConsumer())
    follower = made.follower()
    await stopped_within(follower)
    assert made.made == []


async def test_stop_while_connecting_closes_the_consumer() -> None:
    made = Made(consumer := FakeConsumer(hold="start"))
    follower = made.follower()
    follower.begin()
    await asyncio.wait_for(consumer.reached.wait(), 5)
    assert follower.state is FollowerState.CONNECTING
    await stopped_within(follower)
    assert consumer.stopped
    assert not follower.loaded


async def test_stop_while_loading_closes_the_consumer_and_never_says_loaded() -> None:
    made = Made(consumer := FakeConsumer(history=3, hold="load"))
    follower = made.follower()
    follower.begin()
    await asyncio.wait_for(consumer.reached.wait(), 5)
    assert follower.state is FollowerState.LOADING
    await stopped_within(follower)
    assert consumer.stopped
    assert not follower.loaded
    with pytest.raises(asyncio.CancelledError):
        await follower.wait_loaded()


async def test_stop_while_following_closes_the_consumer() -> None:
    made = Made(consumer := FakeConsumer(history=1, hold="follow"))
    follower = made.follower()
    follower.begin()
    await asyncio.wait_for(consumer.reached.wait(), 5)
    assert follower.state is FollowerState.FOLLOWING
    await stopped_within(follower)
    assert consumer.stopped


async def test_a_cancelled_start_leaves_a_follower_that_stops() -> None:
    made = Made(consumer := FakeConsumer(hold="start"))
    follower = made.follower()
    starting = asyncio.create_task(follower.start())
    await asyncio.wait_for(consumer.reached.wait(), 5)
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    await stopped_within(follower)
    assert consumer.stopped


async def test_stop_is_bounded_when_the_consumer_does_not_close(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(follower_module, "CLOSE_TIMEOUT_S", 0.2)
    made = Made(consumer := FakeConsumer(history=0, hold="follow"))

    async def never_closes() -> None:
        await asyncio.Event().wait()

    consumer.stop = never_closes  # type: ignore[method-assign]
    follower = made.follower()
    await follower.start()
    await stopped_within(follower, 2.0)


async def test_start_raises_when_the_topic_does_not_exist() -> None:
    made = Made(consumer := FakeConsumer())
    follower = TopicFollower(
        "unused:9092", "views.missing", lambda _: None, client_id="t", new_consumer=made.next
    )
    with pytest.raises(RuntimeError, match=r"views\.missing does not exist"):
        await follower.start()
    assert consumer.stopped
    await stopped_within(follower)


async def test_start_can_be_called_again_after_a_failure() -> None:
    made = Made(FakeConsumer(fail_start=True), FakeConsumer(history=2))
    follower = made.follower()
    with pytest.raises(ConnectionError):
        await follower.start()
    await follower.start()
    assert follower.loaded
    assert made.applied == [b"old", b"old"]
    await stopped_within(follower)


async def test_begin_retries_until_the_broker_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(follower_module, "RETRY_BACKOFF", follower_module.Backoff(0.01, 0.01))
    made = Made(broken := FakeConsumer(fail_start=True), working := FakeConsumer(history=2))
    follower = made.follower()
    follower.begin()
    await asyncio.wait_for(follower.wait_loaded(), 5)
    assert broken.stopped
    assert made.made[-1] is working
    assert made.applied == [b"old", b"old"]
    await stopped_within(follower)


async def test_waiting_for_a_follower_never_started_is_an_error() -> None:
    follower = Made(FakeConsumer()).follower()
    with pytest.raises(RuntimeError, match="was not started"):
        await follower.wait_loaded()
