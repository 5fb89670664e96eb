"""A consumed batch leaves no reference cycle behind: its message and records are freed when it is done."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka.message import KafkaMessage

from benchmarks.probe import ProbeBase, ProbeRecorded, attach, count_effects
from contracts import encode_event, new_event
from support.testing import wait_for
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings

EVENTS = 20


@pytest.fixture
def cyclic_garbage() -> Iterator[list[object]]:
    """What the cyclic collector finds unreachable, collected only when the test asks (none before)."""
    gc.collect()
    gc.disable()
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def test_batches_handled_by_the_runtime_leave_their_messages_to_reference_counting(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path, cyclic_garbage: list[object]
) -> None:
    topic = await make_topic(unique("garbage"), partitions=1)
    runtime = ServiceRuntime(
        "probe",
        ServiceSettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'garbage.db'}",
            consumer_group=f"g-{uuid.uuid4().hex[:8]}",
        ),
        bootstrap_servers=kafka_bootstrap,
    )
    await runtime.database.create_all(ProbeBase.metadata)
    attach(runtime, topic)
    await runtime.start()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for seq in range(EVENTS):  # one at a time: most become batches of their own
            event = new_event(ProbeRecorded(run="garbage", seq=seq), source="probe")
            await producer.send_and_wait(topic, encode_event(event), partition=0)
            await wait_for(lambda seq=seq: _effects(runtime, seq + 1))
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
    finally:
        await producer.stop()
        await runtime.stop()
    messages = [item for item in cyclic_garbage if isinstance(item, KafkaMessage)]
    assert messages == []


async def _effects(runtime: ServiceRuntime, wanted: int) -> bool:
    effects, _ = await count_effects(runtime.database)
    return effects >= wanted
