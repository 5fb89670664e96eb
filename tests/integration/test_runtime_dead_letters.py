"""Messages that cannot be processed end in ``<topic>.dlq`` with their reason; the partition moves on."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from aiokafka import AIOKafkaProducer

from benchmarks.probe import ProbeBase, ProbeRecorded, count_effects, record_effect
from contracts import Envelope, EventData, encode_event, new_event
from support.testing import read_topic, wait_for
from werkplaats.deadletter import HEADER_ERROR, HEADER_OFFSET, HEADER_PARTITION, HEADER_TOPIC, Delivery
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings
from werkplaats.unit_of_work import SqlUnitOfWork


def probe_event(seq: int) -> bytes:
    return encode_event(new_event(ProbeRecorded(run="dlq", seq=seq), source="probe"))


async def start_runtime(tmp_path: Path, bootstrap: str, topic: str, handler=record_effect) -> ServiceRuntime:
    settings = ServiceSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'dlq.db'}",
        consumer_group=f"g-{uuid.uuid4().hex[:8]}",
        retry_attempts=3,
        retry_backoff_s=0.01,
    )
    runtime = ServiceRuntime("probe", settings, bootstrap_servers=bootstrap)
    await runtime.database.create_all(ProbeBase.metadata)
    runtime.consume(
        topic,
        name="probe",
        unit_of_work=SqlUnitOfWork,
        handler=handler,
        accept=frozenset({ProbeRecorded.event_type}),
    )
    await runtime.start()
    return runtime


async def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=2 << 20)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, partition=0)
    finally:
        await producer.stop()


def unknown_type() -> bytes:
    document = json.loads(probe_event(0))
    document["type"] = "probe.unheard_of"
    return json.dumps(document).encode()


async def test_unprocessable_messages_are_dead_lettered_and_the_rest_processed(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path
) -> None:
    topic = await make_topic(unique("poison"), partitions=1)
    garbage = bytes(range(256)) * 3907  # 1,000,192 bytes of binary garbage
    poison = {
        b"{not json": "not valid JSON",
        json.dumps({"event_id": "nope", "type": 7}).encode(): "invalid envelope",
        unknown_type(): "unknown event type 'probe.unheard_of'",
        garbage: "not valid JSON",
    }
    values = [probe_event(0)]
    for seq, bad in enumerate(poison, start=1):
        values += [bad, probe_event(seq)]
    await produce(kafka_bootstrap, topic, values)
    runtime = await start_runtime(tmp_path, kafka_bootstrap, topic)
    try:
        await wait_for(lambda: _effects_at_least(runtime, 5))
        dead = await read_topic(kafka_bootstrap, f"{topic}.dlq")
        assert [record.value for record in dead] == list(poison)
        for record, expected_reason in zip(dead, poison.values(), strict=True):
            headers = {name: value.decode() for name, value in record.headers}
            assert expected_reason in headers[HEADER_ERROR]
            assert headers[HEADER_TOPIC] == topic
            assert headers[HEADER_PARTITION] == "0"
            assert values[int(headers[HEADER_OFFSET])] == record.value
        assert await count_effects(runtime.database) == (5, 5)
    finally:
        await runtime.stop()


async def test_wrong_shape_dead_letter_names_the_field(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path
) -> None:
    topic = await make_topic(unique("shape"), partitions=1)
    document = json.loads(probe_event(1))
    document["data"]["seq"] = -4
    await produce(kafka_bootstrap, topic, [json.dumps(document).encode(), probe_event(2)])
    runtime = await start_runtime(tmp_path, kafka_bootstrap, topic)
    try:
        await wait_for(lambda: _effects_at_least(runtime, 1))
        [dead] = await read_topic(kafka_bootstrap, f"{topic}.dlq")
        reason = dict(dead.headers)[HEADER_ERROR].decode()
        assert "data.seq" in reason
        assert "greater than or equal to 0" in reason
    finally:
        await runtime.stop()


async def test_transient_failure_is_retried_and_has_its_effect_once(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path
) -> None:
    topic = await make_topic(unique("transient"), partitions=1)
    failures = {"left": 2}

    async def flaky(unit: SqlUnitOfWork, envelope: Envelope[EventData], delivery: Delivery) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise TimeoutError("downstream timed out")
        await record_effect(unit, envelope, delivery)

    await produce(kafka_bootstrap, topic, [probe_event(1), probe_event(2)])
    runtime = await start_runtime(tmp_path, kafka_bootstrap, topic, handler=flaky)
    try:
        await wait_for(lambda: _effects_at_least(runtime, 2))
        assert await count_effects(runtime.database) == (2, 2)
        assert await read_topic(kafka_bootstrap, f"{topic}.dlq") == []
    finally:
        await runtime.stop()


async def test_failure_beyond_the_retry_budget_is_dead_lettered_and_the_partition_moves_on(
    kafka_bootstrap: str, make_topic, unique, tmp_path: Path
) -> None:
    topic = await make_topic(unique("exhausted"), partitions=1)

    async def refuses_seq_one(unit: SqlUnitOfWork, envelope: Envelope[EventData], delivery: Delivery) -> None:
        assert isinstance(envelope.data, ProbeRecorded)
        if envelope.data.seq == 1:
            raise RuntimeError("cannot handle seq 1")
        await record_effect(unit, envelope, delivery)

    await produce(kafka_bootstrap, topic, [probe_event(0), probe_event(1), probe_event(2)])
    runtime = await start_runtime(tmp_path, kafka_bootstrap, topic, handler=refuses_seq_one)
    try:
        await wait_for(lambda: _effects_at_least(runtime, 2))
        [dead] = await read_topic(kafka_bootstrap, f"{topic}.dlq")
        reason = dict(dead.headers)[HEADER_ERROR].decode()
        assert reason == "failed after 3 attempts: RuntimeError: cannot handle seq 1"
        assert await count_effects(runtime.database) == (2, 2)
    finally:
        await runtime.stop()


async def _effects_at_least(runtime: ServiceRuntime, count: int) -> bool:
    return (await count_effects(runtime.database))[1] >= count
