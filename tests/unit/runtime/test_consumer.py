"""The consumer's decisions, without a broker: dead-letter, retry, and exactly-once effects."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from benchmarks.probe import ProbeBase, ProbeRecorded, count_effects, record_effect
from contracts import Envelope, EventData, encode_event, new_event
from werkplaats.consumer import EventConsumer, RetryPolicy
from werkplaats.db import Database
from werkplaats.deadletter import Delivery
from werkplaats.errors import PermanentError
from werkplaats.metrics import Metrics
from werkplaats.unit_of_work import SqlUnitOfWork


class DeadLetters:
    def __init__(self) -> None:
        self.letters: list[tuple[int, str, str]] = []

    async def __call__(self, delivery: Delivery, reason: str, error_type: str) -> None:
        self.letters.append((delivery.offset, reason, error_type))


@pytest.fixture
async def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    await db.create_all(ProbeBase.metadata)
    yield db
    await db.dispose()


def delivery(offset: int, value: bytes) -> Delivery:
    return Delivery("probe.topic", 0, offset, None, value, {})


def event(seq: int) -> bytes:
    return encode_event(new_event(ProbeRecorded(run="unit", seq=seq), source="probe"))


def consumer(database: Database, dead: DeadLetters, handler=record_effect) -> EventConsumer:
    return EventConsumer(
        name="probe",
        database=database,
        unit_of_work=SqlUnitOfWork,
        handler=handler,
        dead_letter=dead,
        metrics=Metrics("probe"),
        accept=frozenset({"probe.recorded"}),
        retry=RetryPolicy(attempts=3, backoff_s=0.001),
    )


async def test_redelivered_batch_has_no_second_effect(database: Database) -> None:
    dead = DeadLetters()
    batch = [delivery(i, event(i)) for i in range(10)]
    await consumer(database, dead).process(batch)
    await consumer(database, dead).process(batch)
    assert await count_effects(database) == (10, 10)
    assert dead.letters == []


async def test_same_event_twice_in_one_batch_has_one_effect(database: Database) -> None:
    once = event(1)
    await consumer(database, DeadLetters()).process([delivery(0, once), delivery(1, once)])
    assert await count_effects(database) == (1, 1)


async def test_invalid_message_is_dead_lettered_and_its_neighbours_processed(database: Database) -> None:
    dead = DeadLetters()
    await consumer(database, dead).process(
        [delivery(0, event(0)), delivery(1, b"{oops"), delivery(2, event(2))]
    )
    assert [(offset, kind) for offset, _, kind in dead.letters] == [(1, "MalformedMessageError")]
    assert await count_effects(database) == (2, 2)


async def test_bytes_that_are_not_utf8_or_hold_a_lone_surrogate_are_dead_lettered_as_malformed(
    database: Database,
) -> None:
    dead = DeadLetters()
    surrogate = event(1).replace(b'"run":"unit"', b'"run":"\\ud800"')
    assert b"\\ud800" in surrogate
    await consumer(database, dead).process(
        [
            delivery(0, event(0)),
            delivery(1, surrogate),
            delivery(2, b'{"type":"\xff"}'),
            delivery(3, event(3)),
        ]
    )
    assert [(offset, kind) for offset, _, kind in dead.letters] == [
        (1, "MalformedMessageError"),
        (2, "MalformedMessageError"),
    ]
    assert all(reason.startswith("not valid JSON") for _, reason, _ in dead.letters)
    assert await count_effects(database) == (2, 2)


async def test_permanent_refusal_is_dead_lettered_without_retries(database: Database) -> None:
    calls: list[int] = []

    async def refuse_odd(unit: SqlUnitOfWork, envelope: Envelope[EventData], d: Delivery) -> None:
        assert isinstance(envelope.data, ProbeRecorded)
        calls.append(envelope.data.seq)
        if envelope.data.seq % 2:
            raise PermanentError("odd numbers are refused")
        await record_effect(unit, envelope, d)

    dead = DeadLetters()
    await consumer(database, dead, refuse_odd).process([delivery(i, event(i)) for i in range(4)])
    assert [(offset, reason) for offset, reason, _ in dead.letters] == [
        (1, "odd numbers are refused"),
        (3, "odd numbers are refused"),
    ]
    assert await count_effects(database) == (2, 2)
    assert calls.count(1) == 2  # once in the batch, once alone: never retried


async def test_failing_handler_is_retried_then_dead_lettered(database: Database) -> None:
    attempts: list[int] = []

    async def always_fails(unit: SqlUnitOfWork, envelope: Envelope[EventData], d: Delivery) -> None:
        attempts.append(1)
        raise ValueError("bug")

    dead = DeadLetters()
    await consumer(database, dead, always_fails).process([delivery(7, event(7))])
    assert dead.letters == [(7, "failed after 3 attempts: ValueError: bug", "ValueError")]
    assert len(attempts) == 6  # three for the batch, three for the message alone


async def test_infrastructure_failure_is_waited_out_not_dead_lettered(database: Database) -> None:
    outages = {"left": 5}

    async def database_down(unit: SqlUnitOfWork, envelope: Envelope[EventData], d: Delivery) -> None:
        if outages["left"]:
            outages["left"] -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("down"))
        await record_effect(unit, envelope, d)

    dead = DeadLetters()
    await consumer(database, dead, database_down).process([delivery(0, event(0))])
    assert dead.letters == []
    assert await count_effects(database) == (1, 1)


async def test_effects_of_a_failed_attempt_are_rolled_back(database: Database) -> None:
    failures = {"left": 1}

    async def fails_after_effect(unit: SqlUnitOfWork, envelope: Envelope[EventData], d: Delivery) -> None:
        await record_effect(unit, envelope, d)
        if failures["left"]:
            failures["left"] -= 1
            raise TimeoutError("late")

    await consumer(database, DeadLetters(), fails_after_effect).process([delivery(0, event(0))])
    assert await count_effects(database) == (1, 1)
