"""Operations discard parked outbox rows for good: with a reason, kept and logged, never a sendable row."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence

import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from scheduling.main import migrations_location
from support.testing import migrated_database
from werkplaats import outbox_parking
from werkplaats.db import Database
from werkplaats.outbox import OUTBOX, OutboxRelay, PendingMessage, RecordRefusedError
from werkplaats.unit_of_work import SqlUnitOfWork

GONE = "gone.retired"
"""A topic the broker refuses: every row for it parks (as for every topic named ``gone.*``)."""


async def refuse_gone_topic(batch: Sequence[PendingMessage]) -> dict[int, BaseException]:
    """A publish that refuses every message for a ``gone.*`` topic and accepts the rest."""
    return {
        m.id: RecordRefusedError("UnknownTopicOrPartitionError") for m in batch if m.topic.startswith("gone.")
    }


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A database migrated as a service's is, runtime migrations included."""
    async with migrated_database(database_url, migrations_location()) as database:
        yield database


async def stage(database: Database, *rows: tuple[str, str, bytes]) -> None:
    async with database.unit_of_work(SqlUnitOfWork) as unit:
        for topic, key, payload in rows:
            unit.publish_raw(topic, payload, key=key)


async def relay_until_idle(database: Database) -> None:
    relay = OutboxRelay(database, refuse_gone_topic, max_attempts=1)
    while await relay.relay_once():
        pass


async def outbox_ids(database: Database) -> list[int]:
    async with database.sessions() as session:
        return list((await session.scalars(select(OUTBOX.c.id).order_by(OUTBOX.c.id))).all())


async def parked_ids(database: Database) -> list[int]:
    return [row.id for row in await outbox_parking.parked(database)]


async def test_a_parked_row_discarded_by_id_leaves_the_outbox_and_is_kept_with_the_reason(
    database: Database,
) -> None:
    await stage(database, (GONE, "a", b"a1"), ("topic.here", "b", b"b1"), (GONE, "c", b"c1"))
    await relay_until_idle(database)
    first, second = await parked_ids(database)

    with capture_logs() as logs:
        done = await outbox_parking.discard(database, [first], reason="  topic.gone was retired  ")

    assert done == outbox_parking.Discarded([first], [])
    assert await parked_ids(database) == [second]
    assert first not in await outbox_ids(database)
    [kept] = await outbox_parking.discarded(database)
    assert (kept.id, kept.topic, kept.key, kept.size) == (first, GONE, "a", 2)
    assert kept.reason == "topic.gone was retired"
    assert "UnknownTopicOrPartitionError" in kept.parked_reason
    assert [(e["event"], e["row"], e["topic"], e["reason"]) for e in logs] == [
        ("outbox_row_discarded", first, GONE, "topic.gone was retired")
    ]
    assert all("payload" not in entry and b"a1" not in str(entry).encode() for entry in logs)


async def test_discarding_a_topic_takes_only_its_parked_rows(database: Database) -> None:
    await stage(database, (GONE, "a", b"a1"), (GONE, "a", b"a2"), ("gone.later", "o", b"o1"))
    await relay_until_idle(database)
    gone_rows = [row.id for row in await outbox_parking.parked(database) if row.topic == GONE]

    done = await outbox_parking.discard(database, topic=GONE, reason="retired")

    assert done.ids == gone_rows
    assert [row.topic for row in await outbox_parking.parked(database)] == ["gone.later"]
    assert {row.id for row in await outbox_parking.discarded(database)} == set(gone_rows)


async def test_a_row_that_is_pending_or_sent_is_never_discarded(database: Database) -> None:
    await stage(database, ("topic.here", "s", b"sent"))
    await relay_until_idle(database)
    await stage(database, (GONE, "p", b"pending"))
    sent, pending = await outbox_ids(database)

    done = await outbox_parking.discard(database, [sent, pending, 999_999], reason="mistaken")

    assert done == outbox_parking.Discarded([], [sent, pending, 999_999])
    assert await outbox_ids(database) == [sent, pending]
    assert await outbox_parking.discarded(database) == []


@pytest.mark.parametrize(
    ("ids", "topic", "reason", "problem"),
    [([1], None, "   ", "needs a reason"), ([], None, "retired", "name the rows")],
)
async def test_a_discard_without_a_reason_or_without_rows_is_refused_and_changes_nothing(
    database: Database, ids: list[int], topic: str | None, reason: str, problem: str
) -> None:
    await stage(database, (GONE, "a", b"a1"))
    await relay_until_idle(database)
    before = await parked_ids(database)

    with pytest.raises(outbox_parking.DiscardRefusedError, match=problem):
        await outbox_parking.discard(database, ids, topic=topic, reason=reason)

    assert await parked_ids(database) == before
    assert await outbox_parking.discarded(database) == []


def cli(database: Database, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SCHEDULING_DATABASE_URL": database.url}
    return subprocess.run(
        [sys.executable, "-m", "werkplaats", "outbox", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_cli_discards_with_a_required_reason_lists_what_it_discarded_and_names_rows_left_alone(
    database: Database,
) -> None:
    await stage(database, (GONE, "a", b"a1"), (GONE, "b", b"b1"))
    await relay_until_idle(database)
    first, second = await parked_ids(database)

    without_reason = cli(database, "discard", "scheduling", str(first))
    assert without_reason.returncode == 2
    assert "--reason" in without_reason.stderr
    assert await parked_ids(database) == [first, second]

    done = cli(database, "discard", "scheduling", str(first), "424242", "--reason", "topic retired")
    assert done.returncode == 1
    assert f"discarded 1 parked outbox rows [{first}]: topic retired" in done.stdout
    assert "not parked, left alone: [424242]" in done.stderr
    assert await parked_ids(database) == [second]

    listing = cli(database, "discarded", "scheduling")
    assert listing.returncode == 0, listing.stderr
    assert f"{first}\t{GONE}\tkey=a\t2 bytes\t" in listing.stdout
    assert "\ttopic retired\t(parked: " in listing.stdout
