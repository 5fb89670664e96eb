"""The one-trip SQLite driver answers as sqlite3 does: rows, counts, ids, errors, transactions and locks."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from werkplaats import db, sqlite_driver
from werkplaats.db import Database
from werkplaats.sqlite_driver import OneTripConnection
from werkplaats.unit_of_work import SqlUnitOfWork

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(20), unique=True),
)


@pytest.fixture
async def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    await db.create_all(metadata)
    yield db
    await db.dispose()


async def test_sqlite_databases_use_the_one_trip_driver(database: Database) -> None:
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneTripConnection)


async def test_an_insert_gives_its_row_id_and_a_returning_insert_its_rows(database: Database) -> None:
    async with database.transaction() as session:
        first = await session.execute(insert(things).values(name="a"))
        returned = await session.execute(
            insert(things).returning(things.c.name), [{"name": "b"}, {"name": "c"}]
        )
        assert first.inserted_primary_key == (1,)
        assert sorted(returned.scalars()) == ["b", "c"]


async def test_updates_and_batches_count_the_rows_they_changed(database: Database) -> None:
    async with database.transaction() as session:
        many = await session.execute(insert(things), [{"name": f"n{i}"} for i in range(5)])
        changed = await session.execute(
            update(things).where(things.c.id > 2).values(name=things.c.name + "!")
        )
        assert many.rowcount == 5
        assert changed.rowcount == 3
    async with database.sessions() as session:
        names = list(await session.scalars(select(things.c.name).order_by(things.c.id)))
    assert names == ["n0", "n1", "n2!", "n3!", "n4!"]


async def insert_twice(database: Database, name: str) -> None:
    async with database.transaction() as session:
        await session.execute(insert(things).values(name=name))
        await session.execute(insert(things).values(name=name))


async def test_a_failing_statement_raises_at_once_and_its_transaction_rolls_back(database: Database) -> None:
    with pytest.raises(IntegrityError):
        await insert_twice(database, "twice")
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(things)) == 0


async def test_a_streamed_result_reads_every_row(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(insert(things), [{"name": f"s{i}"} for i in range(250)])
    async with database.engine.connect() as connection:
        streamed = await connection.stream(select(things.c.name).order_by(things.c.id))
        names = [name async for (name,) in streamed]
    assert len(names) == 250
    assert names[0] == "s0"


async def test_many_rows_come_back_in_pieces_when_asked(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(insert(things), [{"name": f"m{i}"} for i in range(7)])
        result = await session.execute(text("SELECT name FROM things ORDER BY id"))
        assert [len(result.fetchmany(3)), len(result.fetchmany(3)), len(result.fetchmany(3))] == [3, 3, 1]


async def test_a_write_that_must_wait_for_a_lock_waits_in_the_connection_s_thread(database: Database) -> None:
    holder = await database.engine.connect()
    await holder.begin()
    await holder.execute(insert(things).values(name="holder"))  # holds the write lock
    waiting = asyncio.create_task(staged_insert(database, "waiter"))
    for _ in range(50):  # the event loop keeps running while the staged insert waits
        await asyncio.sleep(0.01)
    assert not waiting.done()
    await holder.commit()
    await holder.close()
    await asyncio.wait_for(waiting, timeout=10)
    async with database.sessions() as session:
        names = sorted(await session.scalars(select(things.c.name)))
    assert names == ["holder", "waiter"]


async def staged_insert(database: Database, name: str) -> None:
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        unit.insert(things, {"name": name})


async def test_write_transactions_of_one_process_take_turns_without_meeting_at_sqlite_s_lock(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no busy timeout at all, a writer that met the first one's lock would fail at once."""
    monkeypatch.setattr(sqlite_driver, "BUSY_TIMEOUT_MS", 0)
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 0)
    impatient = Database(str(database.engine.url))
    queue = sqlite_driver.write_queue(str(Path(database.engine.url.database or "").resolve()))
    try:
        first = await impatient.engine.connect()
        await first.begin()
        await first.execute(insert(things).values(name="first"))  # holds the write lock, and the turn
        second = asyncio.create_task(staged_insert(impatient, "second"))
        await wait_until(lambda: second.done() or bool(queue._waiters))  # it waits for its turn
        assert not second.done()
        await first.commit()
        await first.close()
        await asyncio.wait_for(second, timeout=10)
        async with impatient.sessions() as session:
            names = list(await session.scalars(select(things.c.name).order_by(things.c.id)))
    finally:
        await impatient.dispose()
    assert names == ["first", "second"]
    assert not queue.locked()


async def test_a_write_of_another_process_still_waits_for_the_lock_and_succeeds(database: Database) -> None:
    path = database.engine.url.database
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD_THE_WRITE_LOCK,
        str(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert holder.stdin is not None
    assert holder.stdout is not None
    assert await holder.stdout.readline() == b"holding\n"
    waiting = asyncio.create_task(staged_insert(database, "here"))
    done, _ = await asyncio.wait({waiting}, timeout=0.3)
    assert not done  # SQLite's lock, held by the other process, keeps it waiting
    holder.stdin.write(b"commit\n")
    await holder.stdin.drain()
    assert await holder.wait() == 0
    await asyncio.wait_for(waiting, timeout=10)
    async with database.sessions() as session:
        names = list(await session.scalars(select(things.c.name).order_by(things.c.id)))
    assert names == ["there", "here"]


async def test_a_failed_first_write_gives_its_turn_back(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(insert(things).values(name="taken"))
    queue = sqlite_driver.write_queue(str(Path(database.engine.url.database or "").resolve()))
    with pytest.raises(IntegrityError):
        await insert_twice(database, "taken")
    assert not queue.locked()
    await staged_insert(database, "after")  # the queue is free for the next writer


HOLD_THE_WRITE_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("INSERT INTO things (name) VALUES ('there')")
print("holding", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


async def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Yield to the event loop until ``condition`` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)
