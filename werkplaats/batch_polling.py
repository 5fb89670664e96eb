"""FastStream's batch subscriber, polling again at once after an empty poll.

``getmany`` already waits up to the poll timeout for records to arrive, and returns at the first one.
FastStream's batch subscriber then sleeps the poll timeout once more before it polls again, so a record
that arrives during that pause waits for it: up to 25 ms for a busy consumer, up to a second for a
consumer of a quiet topic. Without the pause a record waits only for its fetch.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from faststream.kafka.subscriber.usecase import BatchSubscriber


def poll_without_pause(subscriber: object) -> None:
    """Make ``subscriber`` (a batch subscriber FastStream made) poll again at once after an empty poll."""
    if not isinstance(subscriber, BatchSubscriber):
        raise TypeError(f"not a FastStream batch subscriber: {type(subscriber).__name__}")

    async def get_msg(consumer: AIOKafkaConsumer) -> tuple[ConsumerRecord[Any, Any], ...]:
        fetched = await consumer.getmany(
            timeout_ms=subscriber.batch_timeout_ms, max_records=subscriber.max_records
        )
        return tuple(chain.from_iterable(fetched.values()))

    subscriber.get_msg = get_msg  # type: ignore[method-assign]
