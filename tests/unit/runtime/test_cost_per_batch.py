"""What one single-record batch costs the database: statements, and trips (to SQLite's thread, to PostgreSQL).

On PostgreSQL a trip is one request written to the server's socket (a simple query such as ``BEGIN``, or a
prepared statement's bind and execute), each answered before the next is sent. Every operation is run
once before it is counted: the first run of a statement on a connection prepares it (one trip more).
"""

from __future__ import annotations

import asyncio
from asyncio import selector_events
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiosqlite
import pytest
from asyncpg.protocol.protocol import BaseProtocol as PostgresProtocol
from sqlalchemy import event, func, select

from benchmarks.probe import ProbeBase, ProbeEffect, probe_events, record_effect, stage
from contracts import encode_event
from werkplaats.consumer import EventConsumer
from werkplaats.db import Database
from werkplaats.deadletter import Delivery
from werkplaats.metrics import Metrics
from werkplaats.outbox import OutboxRelay, PendingMessage
from werkplaats.unit_of_work import SqlUnitOfWork


@dataclass
class Cost:
    statements: list[str]
    trips: int = 0
    requests: list[str] = field(default_factory=list)
    """PostgreSQL: each trip's request, e.g. ``BEGIN;`` or ``bind`` (a prepared statement) or ``parse``."""
    binds: int = 0
    """PostgreSQL: executions of prepared statements, however many share a trip (``executemany`` pipelines
    one per row)."""


POSTGRES_REQUESTS = {ord("Q"): "query", ord("B"): "bind", ord("P"): "parse"}


def _binds(data: bytes) -> int:
    """How many Bind messages one write to PostgreSQL holds."""
    count, at = 0, 0
    while at < len(data):
        count += data[at] == ord("B")
        at += 1 + int.from_bytes(data[at + 1 : at + 5], "big")
    return count


def _request(data: bytes) -> str:
    """What a write to PostgreSQL asks: a simple query's text, or the first extended-protocol message."""
    kind = POSTGRES_REQUESTS.get(data[0], chr(data[0]))
    return data[5:-1].decode() if kind == "query" else kind


@contextmanager
def counted(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cost]:
    """Count the statements ``database`` executes, and its trips: to aiosqlite's thread, or to PostgreSQL."""
    cost = Cost([])
    original = aiosqlite.Connection._execute
    original_write = selector_events._SelectorSocketTransport.write

    async def trip(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        cost.trips += 1
        return await original(self, fn, *args, **kwargs)

    def write(self: Any, data: Any) -> None:
        if isinstance(self.get_protocol(), PostgresProtocol):
            cost.trips += 1
            cost.requests.append(_request(bytes(data)))
            cost.binds += _binds(bytes(data))
        original_write(self, data)

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        cost.statements.append(sql.split(maxsplit=1)[0].upper())

    assert isinstance(asyncio.get_running_loop(), asyncio.SelectorEventLoop)
    monkeypatch.setattr(aiosqlite.Connection, "_execute", trip)
    monkeypatch.setattr(selector_events._SelectorSocketTransport, "write", write)
    event.listen(database.engine.sync_engine, "before_cursor_execute", statement)
    try:
        yield cost
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", statement)
        monkeypatch.undo()


@pytest.fixture
async def database(database_url: str) -> Database:
    db = Database(database_url)
    await db.create_all(ProbeBase.metadata)
    async with db.transaction():  # the pool holds a connection, as in a running service
        pass
    yield db
    await db.dispose()


async def nothing_refused(_: Sequence[PendingMessage]) -> None:
    return None


async def no_dead_letters(*_: Any) -> None:
    raise AssertionError("nothing here should be dead-lettered")


def one_delivery(offset: int = 0) -> list[Delivery]:
    (envelope,) = probe_events(1, run="cost")
    return [Delivery("probe.topic", 0, offset, None, encode_event(envelope), {})]


def deliveries(first: int, count: int) -> list[Delivery]:
    return [
        Delivery("probe.topic", 0, offset, None, encode_event(envelope), {})
        for offset, envelope in enumerate(probe_events(count, run="cost"), first)
    ]


async def test_a_single_record_batch_claims_and_writes_in_two_statements(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = EventConsumer(
        "probe", database, SqlUnitOfWork, record_effect, no_dead_letters, Metrics("probe")
    )
    await consumer.process(one_delivery(0))
    with counted(database, monkeypatch) as cost:
        await consumer.process(one_delivery(1))
    assert cost.statements == ["INSERT", "INSERT"]  # the inbox claim, then the effect
    if database.is_sqlite:
        assert cost.trips == 0, "the claim, the effect and the commit run in the event loop's thread"
    else:
        assert cost.requests == ["BEGIN;", "bind", "bind", "COMMIT;"], "no ping; both statements prepared"


async def test_committing_one_event_to_the_outbox_is_one_statement(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await stage(database, "probe.topic", probe_events(1, run="cost"))
    with counted(database, monkeypatch) as cost:
        await stage(database, "probe.topic", probe_events(1, run="cost"))
    assert cost.statements == ["INSERT"]
    if database.is_sqlite:
        assert cost.trips == 0, "the insert and the commit inline; no reset of the connection"
    else:
        assert cost.requests == ["BEGIN;", "bind", "COMMIT;"]


async def test_relaying_one_row_loads_and_marks_it_in_two_statements(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    relay = OutboxRelay(database, nothing_refused)
    await stage(database, "probe.topic", probe_events(1, run="cost"))
    assert await relay.relay_once() == 1
    await stage(database, "probe.topic", probe_events(1, run="cost"))
    with counted(database, monkeypatch) as cost:
        assert await relay.relay_once() == 1
    assert cost.statements == ["SELECT", "UPDATE"]  # PostgreSQL: the advisory lock is taken by the load
    if database.is_sqlite:
        assert cost.trips == 1, "the load (up to a thousand rows) in the connection's thread, the rest inline"
    else:
        assert cost.requests == ["BEGIN;", "bind", "bind", "COMMIT;"]


async def test_an_idle_relay_pass_is_one_statement(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    relay = OutboxRelay(database, nothing_refused)
    assert await relay.relay_once() == 0
    with counted(database, monkeypatch) as cost:
        assert await relay.relay_once() == 0
    assert cost.statements == ["SELECT"]
    if database.is_sqlite:
        assert cost.trips == 1, "the load; a read-only transaction ends without a commit"
    else:
        assert cost.requests == ["BEGIN;", "bind", "COMMIT;"]


async def test_a_large_staged_batch_and_its_commit_run_in_the_connection_s_thread(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await stage(database, "probe.topic", probe_events(200, run="cost"))
    with counted(database, monkeypatch) as cost:
        await stage(database, "probe.topic", probe_events(200, run="cost"))
    assert cost.statements == ["INSERT"]
    if database.is_sqlite:
        assert cost.trips == 2, "SQLite's work on a burst overlaps the event loop's"
    else:
        assert cost.requests == ["BEGIN;", "bind", "COMMIT;"]
        assert cost.binds == 1, "the 200 rows as arrays of one statement, not 200 executions"


async def test_a_batch_of_many_records_claims_and_writes_in_two_statements_whatever_its_size(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = EventConsumer(
        "probe", database, SqlUnitOfWork, record_effect, no_dead_letters, Metrics("probe")
    )
    await consumer.process(deliveries(0, 200))
    with counted(database, monkeypatch) as cost:
        await consumer.process(deliveries(200, 200))
        await consumer.process(deliveries(400, 37))
    assert cost.statements == ["INSERT", "INSERT"] * 2  # per batch: the inbox claim, then the effects
    if not database.is_sqlite:
        assert cost.requests == ["BEGIN;", "bind", "bind", "COMMIT;"] * 2, "no statement prepared again"
        assert cost.binds == 4, "each statement executed once per batch, its rows as arrays"


async def test_a_relay_pass_over_many_rows_is_one_load_and_one_mark(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    relay = OutboxRelay(database, nothing_refused)
    await stage(database, "probe.topic", probe_events(1, run="cost"))
    assert await relay.relay_once() == 1
    await stage(database, "probe.topic", probe_events(300, run="cost"))
    with counted(database, monkeypatch) as cost:
        assert await relay.relay_once() == 300
    assert cost.statements == ["SELECT", "UPDATE"]
    if not database.is_sqlite:
        assert cost.binds == 2


async def test_a_service_s_own_query_still_runs_in_the_connection_s_thread(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = select(func.count()).select_from(ProbeEffect)
    async with database.sessions() as session:
        await session.execute(count)
    with counted(database, monkeypatch) as cost:
        async with database.sessions() as session:
            await session.execute(count)
    assert cost.statements == ["SELECT"]
    if database.is_sqlite:
        assert cost.trips == 1, "a query that may be long never blocks the event loop"
    else:
        assert cost.requests == ["BEGIN;", "bind", "ROLLBACK;"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_statement_is_prepared_once_per_postgresql_connection(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = EventConsumer(
        "probe", database, SqlUnitOfWork, record_effect, no_dead_letters, Metrics("probe")
    )
    with counted(database, monkeypatch) as first:
        await consumer.process(one_delivery(0))
    with counted(database, monkeypatch) as second:
        await consumer.process(one_delivery(1))
    assert "parse" in first.requests, "the claim and the effect are prepared on first use"
    assert "parse" not in second.requests, "then the prepared-statement cache answers"
