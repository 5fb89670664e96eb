"""Staged rows, outbox rows and inbox claims: set-based on PostgreSQL, row by row on SQLite; the same rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from benchmarks.probe import ProbeRecorded
from contracts import new_event
from scheduling.main import migrations_location
from support.testing import migrated_database
from werkplaats import inbox
from werkplaats.db import Database, array_insert
from werkplaats.outbox import OUTBOX, OutboxRelay
from werkplaats.unit_of_work import SqlUnitOfWork

metadata = MetaData()
NOTES = Table(
    "set_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("topic", String(40), nullable=False),
    Column("body", JSON, nullable=True),
    Column("at", DateTime(timezone=True), nullable=True),
    Column("weight", Float, nullable=True),
    Column("level", Integer, nullable=False, default=3),
    Column("kind", String(10), nullable=False, server_default="plain"),
)
STAMPED = Table(
    "set_stamped",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("stamp", String(40), nullable=False, default=lambda: "made per row"),
)
PAIRS = Table(
    "set_pairs",
    metadata,
    Column("zone", String(20), primary_key=True),
    Column("n", Integer, primary_key=True),
    Column("note", String(20), nullable=True),
)
MOMENT = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.create_all(metadata)
    yield db
    await db.dispose()


async def rows_of(database: Database, table: Table) -> list[tuple[object, ...]]:
    async with database.sessions() as session:
        ordered = select(table).order_by(*table.primary_key.columns)
        return [tuple(row) for row in await session.execute(ordered)]


async def test_staged_inserts_arrive_as_given_with_defaults_for_the_columns_left_out(
    database: Database,
) -> None:
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        unit.insert(NOTES, {"id": 1, "topic": "a", "body": {"n": [1, 2]}, "at": MOMENT, "weight": 0.5})
        unit.insert(NOTES, {"id": 2, "topic": "b", "body": None, "at": None, "weight": None})
    rows = await rows_of(database, NOTES)
    assert [(i, t, b, w, level, kind) for i, t, b, _at, w, level, kind in rows] == [
        (1, "a", {"n": [1, 2]}, 0.5, 3, "plain"),
        (2, "b", None, None, 3, "plain"),
    ]
    assert rows[0][3].replace(tzinfo=UTC) == MOMENT


async def test_upserts_replace_whole_rows_and_deletes_remove_them(database: Database) -> None:
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        for n in range(1, 4):
            unit.upsert(
                NOTES, {"id": n, "topic": f"t{n}", "body": [n], "at": MOMENT, "weight": n, "level": n}
            )
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        unit.upsert(
            NOTES, {"id": 2, "topic": "new", "body": {"x": 1}, "at": None, "weight": None, "level": 9}
        )
        unit.upsert(NOTES, {"id": 4, "topic": "t4", "body": None, "at": None, "weight": None, "level": 4})
        unit.delete(NOTES, {"id": 3})
    rows = await rows_of(database, NOTES)
    assert [(i, t, b, level) for i, t, b, _at, _w, level, _kind in rows] == [
        (1, "t1", [1], 1),
        (2, "new", {"x": 1}, 9),
        (4, "t4", None, 4),
    ]


async def test_rows_with_a_key_of_two_columns_are_deleted_by_both(database: Database) -> None:
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        for zone in ("a", "b"):
            for n in range(3):
                unit.upsert(PAIRS, {"zone": zone, "n": n, "note": f"{zone}{n}"})
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        unit.delete(PAIRS, {"zone": "a", "n": 1})
        unit.delete(PAIRS, {"zone": "b", "n": 2})
        unit.delete(PAIRS, {"zone": "c", "n": 0})
    assert [row[2] for row in await rows_of(database, PAIRS)] == ["a0", "a2", "b0", "b1"]


async def test_a_default_made_per_row_is_still_made_for_each_row(database: Database) -> None:
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        unit.insert(STAMPED, {"id": 1})
        unit.insert(STAMPED, {"id": 2})
    assert await rows_of(database, STAMPED) == [(1, "made per row"), (2, "made per row")]


async def test_a_thousand_outbox_rows_of_one_transaction_keep_their_order_and_content(
    database: Database,
) -> None:
    published = []

    async def sink(batch: object) -> None:
        published.extend(batch)  # type: ignore[call-overload]

    async with database.unit_of_work(SqlUnitOfWork) as unit:
        for seq in range(1000):
            event = new_event(ProbeRecorded(run="order", seq=seq), source="p")
            unit.publish("t", event, key=None if seq % 7 == 0 else str(seq % 13), headers={"n": str(seq)})
    relay = OutboxRelay(database, sink)
    assert await relay.relay_once() == 1000
    assert [message.headers for message in published] == [{"n": str(seq)} for seq in range(1000)]
    assert [m.id for m in published] == sorted(m.id for m in published), "ids grow in publish order"
    assert [published[0].key, published[1].key] == [None, b"1"]
    async with database.sessions() as session:
        attempts = set((await session.execute(select(OUTBOX.c.attempts))).scalars())
    assert attempts == {0}


async def test_a_claim_of_many_ids_returns_the_new_ones_and_keeps_their_digests(database: Database) -> None:
    async with database.transaction() as session:
        assert await inbox.claim(session, "c", [f"e{n}" for n in range(300)]) == {f"e{n}" for n in range(300)}
    async with database.transaction() as session:
        claimed = await inbox.claim_events(
            session, "c", {"e1": "d1", "e299": None, "e300": "d300", "e301": None}
        )
    assert claimed.fresh == {"e300", "e301"}
    async with database.sessions() as session:
        stored = dict(
            (
                await session.execute(
                    select(inbox.INBOX.c.event_id, inbox.INBOX.c.digest).where(
                        inbox.INBOX.c.event_id.in_(["e300", "e301"])
                    )
                )
            ).all()
        )
    assert stored == {"e300": "d300", "e301": None}


def test_only_postgresql_gets_the_set_based_insert_and_not_for_every_table() -> None:
    pg = postgresql.asyncpg.dialect()
    assert array_insert(NOTES, ["id", "topic"], sqlite.dialect()) is None
    assert array_insert(STAMPED, ["id"], pg) is None, "a per-row default needs executemany"
    tagged = Table(
        "set_tagged", MetaData(), Column("id", Integer, primary_key=True), Column("tags", ARRAY(String))
    )
    assert array_insert(tagged, ["id", "tags"], pg) is None, "an array column cannot be unnested"
    statement = array_insert(NOTES, ["id", "topic", "body"], pg)
    assert statement is not None
    assert statement.constants == (("level", 3),)
    assert "FROM unnest(" in str(statement.statement)
    assert "ORDER BY u.n" in str(statement.statement), "rows go in in the order given"


async def test_the_outbox_indexes_hold_only_pending_or_parked_rows_after_the_migrations(
    database_url: str,
) -> None:
    async with (
        migrated_database(database_url, migrations_location()) as database,
        database.sessions() as session,
    ):
        if database.is_sqlite:
            found = await session.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'")
            )
        else:
            found = await session.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'outbox'")
            )
        definitions = {name: (sql or "").replace("(", "").replace(")", "") for name, sql in found}
    assert "WHERE sent_at IS NULL AND parked_at IS NULL" in definitions["ix_outbox_pending"]
    assert "WHERE parked_at IS NOT NULL AND sent_at IS NULL" in definitions["ix_outbox_parked"]


async def test_once_many_rows_were_sent_the_relay_loads_the_pending_ones_through_their_index(
    database: Database,
) -> None:
    async def sink(_: object) -> None:
        return None

    relay = OutboxRelay(database, sink)
    for seqs in (range(2000), range(2000, 2010)):
        async with database.unit_of_work(SqlUnitOfWork) as unit:
            for seq in seqs:
                unit.publish("t", new_event(ProbeRecorded(run="plan", seq=seq), source="p"), key="k")
        if seqs.start == 0:
            while await relay.relay_once():
                pass
    load = relay._pending_rows.compile(
        dialect=database.engine.dialect, compile_kwargs={"literal_binds": True}
    )
    explain = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN "
    async with database.transaction() as session:
        await session.execute(text("ANALYZE outbox"))
    async with database.sessions() as session:
        plan = " ".join(str(row[-1]) for row in await session.execute(text(explain + str(load))))
    assert "ix_outbox_pending" in plan, plan
