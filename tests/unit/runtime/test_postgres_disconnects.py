"""A PostgreSQL connection that dies (a restart, a terminated backend): replaced; no work lost or repeated.

The pool does not ping a connection before lending it (that cost three round trips a transaction): a
connection the server closed while pooled is replaced at checkout, and one that dies in use fails its
transaction, which the consumer and the relay run again on a fresh connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.probe import ProbeBase, count_effects, probe_events, record_effect, stage
from contracts import Envelope, EventData, encode_event
from support.testing import wait_for
from werkplaats.consumer import EventConsumer, RetryPolicy
from werkplaats.db import Database
from werkplaats.deadletter import Delivery
from werkplaats.inbox import InboxRow
from werkplaats.metrics import Metrics
from werkplaats.outbox import OutboxRelay, OutboxRow, PendingMessage
from werkplaats.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.create_all(ProbeBase.metadata)
    yield db
    await db.dispose()


@pytest.fixture
async def admin(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own, outside the pool, that terminates the pool's backends."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    yield connection
    await connection.close()


async def backend_of(session: AsyncSession) -> tuple[int, Any]:
    """The server process behind ``session``'s connection, and the driver's connection."""
    pid = await session.scalar(text("SELECT pg_backend_pid()"))
    raw = await (await session.connection()).get_raw_connection()
    return int(pid or 0), raw.driver_connection


async def terminate(admin: asyncpg.Connection, pid: int, driver_connection: Any) -> None:
    """Terminate backend ``pid`` and wait until its client sees the connection closed."""
    assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    await wait_for(driver_connection.is_closed, timeout=10)


async def no_dead_letters(*_: Any) -> None:
    raise AssertionError("a lost connection must never dead-letter a message")


def deliveries(count: int) -> list[Delivery]:
    return [
        Delivery("probe.topic", 0, offset, None, encode_event(envelope), {})
        for offset, envelope in enumerate(probe_events(count, run="disconnect"))
    ]


async def test_a_pooled_connection_closed_by_the_server_is_replaced_at_checkout(
    database: Database, admin: asyncpg.Connection
) -> None:
    async with database.sessions() as session:
        pid, driver_connection = await backend_of(session)
    await terminate(admin, pid, driver_connection)
    async with database.sessions() as session:
        new_pid, _ = await backend_of(session)
    assert new_pid != pid


async def test_a_batch_whose_connection_dies_is_applied_once_on_a_fresh_one(
    database: Database, admin: asyncpg.Connection
) -> None:
    backends: list[int] = []

    async def dying_first_time(
        unit: SqlUnitOfWork, envelope: Envelope[EventData], delivery: Delivery
    ) -> None:
        pid, driver_connection = await backend_of(unit.session)
        backends.append(pid)
        if len(backends) == 1:  # the claim and this effect are staged; the connection dies before the commit
            await terminate(admin, pid, driver_connection)
        await record_effect(unit, envelope, delivery)

    metrics = Metrics("probe")
    consumer = EventConsumer(
        "probe",
        database,
        SqlUnitOfWork,
        dying_first_time,
        no_dead_letters,
        metrics,
        retry=RetryPolicy(backoff_s=0.01),
    )
    assert await consumer.process(deliveries(1)) is False
    assert len(backends) == 2, "the batch ran again"
    assert backends[0] != backends[1], "on a new backend"
    assert await count_effects(database) == (1, 1)
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxRow)) == 1
    retried = metrics.registry.get_sample_value(
        "werkplaats_retries_total", {"consumer": "probe", "cause": "infrastructure"}
    )
    assert retried == 1, "waited for the database as for any outage, not counted as a conflict"


async def test_a_relay_pass_whose_connection_dies_is_published_again_and_marked(
    database: Database, admin: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    await database.create_all()
    await stage(database, "probe.topic", probe_events(3, run="disconnect"))
    published: list[list[int]] = []
    session_holder: list[AsyncSession] = []

    async def publish(batch: Sequence[PendingMessage]) -> None:
        published.append([message.id for message in batch])
        if len(published) == 1:  # sent to the broker; the connection dies before the rows are marked
            (session,) = session_holder
            await terminate(admin, *await backend_of(session))

    relay = OutboxRelay(database, publish)
    original = database.sessions

    def remembered() -> AsyncSession:
        session = original()
        session_holder[:] = [session]
        return session

    monkeypatch.setattr(database, "sessions", remembered)
    with pytest.raises(DBAPIError) as failure:
        await relay.relay_once()
    assert failure.value.connection_invalidated
    assert await relay.relay_once() == 3, "the next pass takes a fresh connection"
    monkeypatch.undo()
    assert published == [[1, 2, 3], [1, 2, 3]], "published again, in order: consumers drop the repeat"
    assert await relay.pending() == 0
    async with database.sessions() as session:
        sent = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_not(None))
        )
    assert sent == 3
