"""The outbox relay without a broker: order, marking sent, and waking on commit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from benchmarks.probe import ProbeRecorded
from contracts import new_event
from support.testing import wait_for
from werkplaats import outbox_parking
from werkplaats.db import Database
from werkplaats.outbox import OutboxRelay, OutboxRow, PendingMessage, RecordRefusedError, id_runs
from werkplaats.retry import Backoff
from werkplaats.unit_of_work import SqlUnitOfWork


@pytest.fixture
async def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    await db.create_all()
    yield db
    await db.dispose()


class Sink:
    def __init__(self) -> None:
        self.published: list[PendingMessage] = []

    async def __call__(self, batch: Sequence[PendingMessage]) -> None:
        self.published.extend(batch)


async def stage(database: Database, seqs: range) -> None:
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        for seq in seqs:
            unit.publish("t", new_event(ProbeRecorded(run="o", seq=seq), source="p"), key=str(seq))


async def test_rows_are_published_in_commit_order_and_marked_sent(database: Database) -> None:
    sink = Sink()
    relay = OutboxRelay(database, sink, batch_size=4)
    await stage(database, range(10))
    while await relay.relay_once():
        pass
    assert [m.key for m in sink.published] == [str(i).encode() for i in range(10)]
    assert await relay.pending() == 0


async def test_rolled_back_transaction_publishes_nothing(database: Database) -> None:
    sink = Sink()

    async def failing_change() -> None:
        async with database.unit_of_work(SqlUnitOfWork) as unit:
            unit.publish("t", new_event(ProbeRecorded(run="o", seq=1), source="p"), key="k")
            raise RuntimeError("state change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert await OutboxRelay(database, sink).relay_once() == 0


async def test_failed_publish_leaves_rows_pending(database: Database) -> None:
    async def broker_down(batch: Sequence[PendingMessage]) -> None:
        raise ConnectionError("no broker")

    await stage(database, range(3))
    relay = OutboxRelay(database, broker_down)
    with pytest.raises(ConnectionError):
        await relay.relay_once()
    assert await relay.pending() == 3


async def test_commit_wakes_the_relay_at_once(database: Database) -> None:
    sink = Sink()
    relay = OutboxRelay(database, sink, idle_poll_s=60)
    relay.start()
    try:
        await asyncio.sleep(0.05)
        await stage(database, range(1))
        await wait_for(lambda: len(sink.published) == 1, timeout=2)
    finally:
        await relay.stop()


class Refusing(Sink):
    """Refuses every message whose payload is ``refused``; raises ConnectionError while ``down``."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def __call__(self, batch: Sequence[PendingMessage]) -> dict[int, BaseException]:
        if self.down:
            raise ConnectionError("no broker")
        refused: dict[int, BaseException] = {}
        held: set[bytes] = set()
        for m in batch:
            if m.payload == b"refused" or (m.key is not None and m.key in held):
                refused[m.id] = RecordRefusedError("too large")
                held |= {m.key} if m.key is not None else set()
            else:
                self.published.append(m)
        return refused


async def stage_raw(database: Database, *rows: tuple[str | None, bytes]) -> None:
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        for key, payload in rows:
            unit.publish_raw("t", payload, key=key)


async def test_a_broker_outage_counts_no_refusal_and_parks_nothing(database: Database) -> None:
    sink = Refusing()
    sink.down = True
    relay = OutboxRelay(database, sink, max_attempts=1)
    await stage_raw(database, ("a", b"a1"))
    for _ in range(3):
        with pytest.raises(ConnectionError):
            await relay.relay_once()
    assert (await relay.pending(), await outbox_parking.count(database)) == (1, 0)


async def test_a_refused_row_is_retried_then_parked_while_rows_without_a_key_go_on(
    database: Database,
) -> None:
    sink = Refusing()
    relay = OutboxRelay(database, sink, max_attempts=2, refused_backoff=Backoff.constant(0.0))
    await stage_raw(database, ("a", b"refused"), (None, b"n1"), ("a", b"a2"), (None, b"n2"))
    await relay.relay_once()
    assert [m.payload for m in sink.published] == [b"n1", b"n2"]
    assert await outbox_parking.count(database) == 0  # one refusal: it waits, with its key
    await relay.relay_once()
    assert [row.attempts for row in await outbox_parking.parked(database)] == [2, 0]
    assert await relay.pending() == 0
    assert [m.payload for m in sink.published] == [b"n1", b"n2"]


def test_ids_are_marked_in_runs_of_consecutive_ids() -> None:
    assert id_runs([]) == []
    assert id_runs([7]) == [(7, 7)]
    assert id_runs([1, 2, 3, 5, 6, 9]) == [(1, 3), (5, 6), (9, 9)]


async def test_marking_sent_spares_a_parked_row_in_the_batch_and_a_row_committed_meanwhile(
    database: Database,
) -> None:
    await stage_raw(database, *((key, key.encode()) for key in "abcde"))
    async with database.transaction() as session:
        await session.execute(
            update(OutboxRow).where(OutboxRow.payload == b"c").values(parked_at=datetime.now(UTC))
        )

    class CommitsWhilePublishing(Sink):
        async def __call__(self, batch: Sequence[PendingMessage]) -> None:
            await super().__call__(batch)
            if len(self.published) == len(batch):  # the first batch: another writer commits meanwhile
                await stage_raw(database, ("f", b"f"))

    sink = CommitsWhilePublishing()
    relay = OutboxRelay(database, sink)
    assert await relay.relay_once() == 4
    assert [m.payload for m in sink.published] == [b"a", b"b", b"d", b"e"]
    assert (await relay.pending(), await outbox_parking.count(database)) == (1, 1)
    await relay.relay_once()
    assert [m.payload for m in sink.published][4:] == [b"f"]
    assert await outbox_parking.retry(database) == 1
    await relay.relay_once()
    assert [m.payload for m in sink.published][5:] == [b"c"]
    assert await relay.pending() == 0
