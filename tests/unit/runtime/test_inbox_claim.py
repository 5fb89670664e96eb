"""Claiming events in the inbox on SQLite and PostgreSQL: new, redelivered, reused, and raced ids."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from werkplaats.db import CHUNK, Database
from werkplaats.inbox import claim_events


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.create_all()
    yield db
    await db.dispose()


async def claim(database: Database, digests: dict[str, str | None], consumer: str = "c"):
    async with database.transaction() as session:
        return await claim_events(session, consumer, digests)


async def test_new_ids_are_fresh_and_a_redelivery_is_not(database: Database) -> None:
    first = await claim(database, {"a": "1", "b": "2"})
    again = await claim(database, {"a": "1", "b": "2", "c": "3"})
    assert (first.fresh, first.reused) == ({"a", "b"}, set())
    assert (again.fresh, again.reused) == ({"c"}, set())


async def test_an_id_seen_with_other_content_is_reused_not_fresh(database: Database) -> None:
    await claim(database, {"a": "1", "b": None})
    claimed = await claim(database, {"a": "other", "b": "any", "c": None})
    assert claimed.fresh == {"c"}
    assert claimed.reused == {"a"}  # b was stored without a digest: a redelivery


async def test_consumers_claim_the_same_id_independently(database: Database) -> None:
    assert (await claim(database, {"a": "1"}, consumer="one")).fresh == {"a"}
    assert (await claim(database, {"a": "1"}, consumer="two")).fresh == {"a"}


async def test_more_ids_than_one_statement_takes_are_all_claimed_once(database: Database) -> None:
    ids = {f"id-{n}": f"d{n}" for n in range(2 * CHUNK + 7)}
    claimed = await claim(database, ids)
    assert claimed.fresh == set(ids)
    repeat = await claim(database, {**ids, "late": "x"})
    assert (repeat.fresh, repeat.reused) == ({"late"}, set())


async def test_a_claim_rolled_back_leaves_the_id_free(database: Database) -> None:
    async def claim_then_fail() -> None:
        async with database.transaction() as session:
            await claim_events(session, "c", {"a": "1"})
            raise RuntimeError("the effect failed")

    with pytest.raises(RuntimeError):
        await claim_then_fail()
    assert (await claim(database, {"a": "1"})).fresh == {"a"}


async def test_two_racing_claims_of_one_id_give_it_to_one_of_them(database: Database) -> None:
    first_claimed = asyncio.Event()
    release = asyncio.Event()

    async def first() -> set[str]:
        async with database.transaction() as session:
            claimed = await claim_events(session, "c", {"a": "1"})
            first_claimed.set()
            await release.wait()  # still open: the second claim must wait for it
        return claimed.fresh

    async def second() -> set[str]:
        await first_claimed.wait()
        return (await claim(database, {"a": "1"})).fresh

    winner = asyncio.create_task(first())
    loser = asyncio.create_task(second())
    await first_claimed.wait()
    done, _ = await asyncio.wait({loser}, timeout=0.3)
    assert not done  # blocked behind the open claim, not answered from a stale read
    release.set()
    assert await winner == {"a"}
    assert await loser == set()
