"""A consumer polls again at once after an empty poll: no pause in which an arriving record would wait."""

from __future__ import annotations

from typing import Any, cast

import anyio
import pytest
from aiokafka import ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker

from scheduling.settings import SchedulingSettings
from scheduling.store import SqlSchedulingUnitOfWork
from werkplaats.batch_polling import poll_without_pause
from werkplaats.runtime import ServiceRuntime


class Fetches:
    """A consumer whose polls answer from a script: each ``getmany`` takes the next answer."""

    def __init__(self, *answers: dict[TopicPartition, list[Any]]) -> None:
        self.answers = list(answers)
        self.polls: list[tuple[int, int]] = []

    async def getmany(self, *, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[Any]]:
        self.polls.append((timeout_ms, max_records))
        return self.answers.pop(0)


def record(offset: int) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("t", 0, offset, 0, 0, None, b"v", None, 0, 1, [])


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses FastStream's subscriber would take between polls."""
    taken: list[float] = []

    async def sleep(seconds: float) -> None:
        taken.append(seconds)

    monkeypatch.setattr(anyio, "sleep", sleep)  # FastStream pauses with it
    return taken


async def test_the_runtimes_consumers_poll_again_without_a_pause(pauses: list[float]) -> None:
    settings = SchedulingSettings(database_url="sqlite+aiosqlite:///:memory:")
    service = ServiceRuntime("scheduling", settings, bootstrap_servers="unused:9092")

    async def ignore(*_: Any) -> None:
        return None

    service.consume(
        "views.test", name="quiet", unit_of_work=SqlSchedulingUnitOfWork, handler=ignore, fetch_wait_ms=1000
    )
    (subscriber,) = cast(list[Any], service.broker.subscribers)
    partition = TopicPartition("views.test", 0)
    consumer = Fetches({}, {partition: [record(7), record(8)]})

    assert await subscriber.get_msg(consumer) == ()
    assert [r.offset for r in await subscriber.get_msg(consumer)] == [7, 8]
    assert pauses == []
    assert consumer.polls == [(1000, settings.batch_size)] * 2


async def test_records_of_every_partition_come_in_one_batch(pauses: list[float]) -> None:
    subscriber: Any = KafkaBroker().subscriber("t", batch=True, batch_timeout_ms=25, max_records=50)
    poll_without_pause(subscriber)
    first, second = TopicPartition("t", 0), TopicPartition("t", 1)
    consumer = Fetches({first: [record(1)], second: [record(4), record(5)]})

    assert [r.offset for r in await subscriber.get_msg(consumer)] == [1, 4, 5]
    assert consumer.polls == [(25, 50)]


def test_only_a_batch_subscriber_is_changed() -> None:
    with pytest.raises(TypeError, match="not a FastStream batch subscriber"):
        poll_without_pause(KafkaBroker().subscriber("t"))


async def test_faststream_itself_pauses_after_an_empty_poll(pauses: list[float]) -> None:
    """What the change is for: without it the subscriber sleeps its poll timeout after an empty poll."""
    subscriber: Any = KafkaBroker().subscriber("t", batch=True, batch_timeout_ms=25, max_records=50)
    assert await subscriber.get_msg(Fetches({})) == ()
    assert pauses == [0.025]
