"""The topic follower without a broker: it loads, follows, retries, and stops in every state."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from support.fake_consumer import FakeConsumer
from support.testing import wait_for
from werkplaats import follower as follower_module
from werkplaats.follower import FollowerState, TopicFollower

TOPIC = "views.test"


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


async def test_a_large_fetch_is_applied_in_slices_that_let_other_tasks_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(follower_module, "APPLY_SLICE", 2)
    consumer = FakeConsumer(history=1)
    batch = [type("R", (), {"offset": n, "value": b"old"})() for n in range(5)]

    async def one_big_fetch(timeout_ms: int = 0) -> dict[Any, list[Any]]:
        consumer.position_ = consumer.history
        return {consumer.partition: batch}

    consumer.getmany = one_big_fetch  # type: ignore[method-assign]
    sizes: list[int] = []
    ticks: list[int] = []

    async def ticking() -> None:
        while True:
            ticks.append(len(sizes))
            await asyncio.sleep(0)

    ticker = asyncio.create_task(ticking())
    follower = TopicFollower(
        "unused:9092",
        TOPIC,
        lambda records: sizes.append(len(list(records))),
        client_id="t",
        new_consumer=lambda: consumer,
    )
    await follower.start()
    ticker.cancel()
    await stopped_within(follower)
    assert sizes[:3] == [2, 2, 1]
    assert {1, 2} <= set(ticks)  # the other task ran between the slices
