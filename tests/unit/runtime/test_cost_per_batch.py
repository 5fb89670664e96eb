"""What one single-record batch costs the database: statements, and trips to SQLite's thread (none)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import aiosqlite
import pytest
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


@contextmanager
def counted(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cost]:
    """Count the statements ``database`` executes, and the calls sent to aiosqlite's thread."""
    cost = Cost([])
    original = aiosqlite.Connection._execute

    async def trip(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        cost.trips += 1
        return await original(self, fn, *args, **kwargs)

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        cost.statements.append(sql.split(maxsplit=1)[0].upper())

    monkeypatch.setattr(aiosqlite.Connection, "_execute", trip)
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


def one_delivery() -> list[Delivery]:
    (envelope,) = probe_events(1, run="cost")
    return [Delivery("probe.topic", 0, 0, None, encode_event(envelope), {})]


async def test_a_single_record_batch_claims_and_writes_in_two_statements(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = EventConsumer(
        "probe", database, SqlUnitOfWork, record_effect, no_dead_letters, Metrics("probe")
    )
    with counted(database, monkeypatch) as cost:
        await consumer.process(one_delivery())
    assert cost.statements == ["INSERT", "INSERT"]  # the inbox claim, then the effect
    if database.is_sqlite:
        assert cost.trips == 0, "the claim, the effect and the commit run in the event loop's thread"


async def test_committing_one_event_to_the_outbox_is_one_statement(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with counted(database, monkeypatch) as cost:
        await stage(database, "probe.topic", probe_events(1, run="cost"))
    assert cost.statements == ["INSERT"]
    if database.is_sqlite:
        assert cost.trips == 0, "the insert and the commit inline; no reset of the connection"


async def test_relaying_one_row_loads_and_marks_it_in_two_statements(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await stage(database, "probe.topic", probe_events(1, run="cost"))
    relay = OutboxRelay(database, nothing_refused)
    with counted(database, monkeypatch) as cost:
        assert await relay.relay_once() == 1
    lock = [] if database.is_sqlite else ["SELECT"]  # PostgreSQL: the relay's advisory lock
    assert cost.statements == [*lock, "SELECT", "UPDATE"]
    if database.is_sqlite:
        assert cost.trips == 1, "the load (up to a thousand rows) in the connection's thread, the rest inline"


async def test_an_idle_relay_pass_is_one_statement(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    relay = OutboxRelay(database, nothing_refused)
    with counted(database, monkeypatch) as cost:
        assert await relay.relay_once() == 0
    lock = [] if database.is_sqlite else ["SELECT"]
    assert cost.statements == [*lock, "SELECT"]
    if database.is_sqlite:
        assert cost.trips == 1, "the load; a read-only transaction ends without a commit"


async def test_a_large_staged_batch_and_its_commit_run_in_the_connection_s_thread(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with counted(database, monkeypatch) as cost:
        await stage(database, "probe.topic", probe_events(200, run="cost"))
    assert cost.statements == ["INSERT"]
    if database.is_sqlite:
        assert cost.trips == 2, "SQLite's work on a burst overlaps the event loop's"


async def test_a_service_s_own_query_still_runs_in_the_connection_s_thread(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with counted(database, monkeypatch) as cost:
        async with database.sessions() as session:
            await session.execute(select(func.count()).select_from(ProbeEffect))
    assert cost.statements == ["SELECT"]
    if database.is_sqlite:
        assert cost.trips == 1, "a query that may be long never blocks the event loop"
