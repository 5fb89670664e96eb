"""A batch of partner changes recorded at once: its conflict rows read in one query, the same effects."""

from __future__ import annotations

import gc
import random
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import ActivityPublished, decode_event
from contracts.areas import load_areas
from contracts.topics import SCHEDULING_CONFLICTS
from scheduling.domain import Agenda, UnfavourableCalendar
from scheduling.main import migrations_location
from scheduling.service.acknowledge import acknowledge
from scheduling.service.detector import ZoneDetector
from scheduling.service.intake import Intake
from scheduling.store import ConflictRow, SqlSchedulingUnitOfWork
from scheduling.store.memory import InMemorySchedulingUnitOfWork
from werkplaats.db import Database
from werkplaats.migrations import upgrade
from werkplaats.outbox import OutboxRow

START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=40)
HORIZON = timedelta(days=365)
MOERWIJK = ["BU05183620", "BU05183637"]
MORGENSTOND = ["BU05183480", "BU05183488"]
READS_CONFLICTS = re.compile(r"\bFROM conflicts\b", re.IGNORECASE)
Change = tuple[str, ActivityPublished]


def new_agenda(zone: str | None) -> Agenda:
    return Agenda(calendar=UnfavourableCalendar((), public_holidays=False), horizon=HORIZON, owner_zone=zone)


def published(
    activity_id: str, start: datetime, neighbourhoods: list[str], **extra: Any
) -> ActivityPublished:
    fields: dict[str, Any] = {
        "activity_id": activity_id,
        "title": f"Bewonersavond {activity_id}",
        "kind": "consultation",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "neighbourhoods": neighbourhoods,
        "target_groups": ["tenants"],
    }
    return ActivityPublished.model_validate(fields | extra)


def mixed_batch(seed: int, size: int) -> list[Change]:
    """Activities over two wijken and two venues, some published twice (moved) within the batch."""
    rnd = random.Random(seed)
    changes: list[Change] = []
    for n in range(size):
        activity_id = f"a-{rnd.randrange(size * 2 // 3)}"  # repeats: replaced within the batch
        start = START + timedelta(days=rnd.randrange(6), hours=rnd.choice([10, 18, 19]))
        venue = {"venue": {"venue_id": f"centre-{rnd.randrange(2)}"}} if rnd.random() < 0.4 else {}
        where = rnd.choice([MOERWIJK, MORGENSTOND, [MOERWIJK[0], MORGENSTOND[0]]])
        organisation = rnd.choice(["staedion", "haag-wonen", "gemeente-den-haag"])
        changes.append((organisation, published(activity_id, start, where, title=f"Avond {n}", **venue)))
    return changes


class Scheduler:
    """The intake with inline detection on one database, as the intake consumer drives it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.detector = ZoneDetector(new_agenda, load_areas())
        self.intake = Intake(horizon=HORIZON, place=self.detector.apply)

    async def take_in(self, changes: list[Change]) -> None:
        """One batch of the intake consumer, committed."""
        async with self.database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
            await self.intake.prefetch(unit, [(org, item.activity_id) for org, item in changes])
            await self.detector.prefetch(unit, await self.intake.zones_touched(unit, changes))
            for organisation, item in changes:
                await self.intake.publish(unit, organisation, item, correlation_id="c")

    async def announcements(self) -> list[tuple[str, str]]:
        """``(type, conflict_id)`` of every event on ``scheduling.conflicts``, in publish order."""
        async with self.database.sessions() as session:
            rows = await session.scalars(
                select(OutboxRow.payload)
                .where(OutboxRow.topic == SCHEDULING_CONFLICTS)
                .order_by(OutboxRow.id)
            )
            events = [decode_event(payload) for payload in rows]
        return [(e.type, e.data.conflict_id) for e in events]  # type: ignore[attr-defined]

    async def conflict(self, conflict_id: str) -> ConflictRow:
        async with self.database.sessions() as session:
            row = await session.get(ConflictRow, conflict_id)
        assert row is not None
        return row


@pytest.fixture
async def scheduler(database_url: str) -> AsyncIterator[Scheduler]:
    database = Database(database_url)
    await upgrade(database, migrations_location())
    yield Scheduler(database)
    await database.dispose()


@contextmanager
def conflict_reads(database: Database) -> Iterator[list[str]]:
    """The statements that read the ``conflicts`` table while the block runs."""
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if READS_CONFLICTS.search(statement):
            reads.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield reads
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", seen)


async def one_by_one(changes: list[Change]) -> list[tuple[str, str]]:
    """What the same changes announce when each is its own transaction (the in-memory store)."""
    unit, detector = InMemorySchedulingUnitOfWork(), ZoneDetector(new_agenda, load_areas())
    intake = Intake(horizon=HORIZON, place=detector.apply)
    for organisation, item in changes:
        await intake.publish(unit, organisation, item, correlation_id="c")
        await unit.commit()
    return [(e.type, e.data.conflict_id) for e in unit.envelopes(SCHEDULING_CONFLICTS)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", [1, 2])
async def test_a_batch_reads_its_conflict_rows_once_and_announces_what_one_transaction_each_would(
    scheduler: Scheduler, seed: int
) -> None:
    changes = mixed_batch(seed, 120)
    with conflict_reads(scheduler.database) as reads:
        await scheduler.take_in(changes)

    announced = await scheduler.announcements()
    assert {kind for kind, _ in announced} == {"conflict.detected", "conflict.resolved"}
    assert len(reads) == 2  # the batch's conflict rows, and the acknowledged ones its replacements touch
    assert announced == await one_by_one(changes)


async def test_a_redelivered_batch_reads_its_rows_once_and_announces_nothing_again(
    scheduler: Scheduler,
) -> None:
    changes = mixed_batch(3, 60)
    await scheduler.take_in(changes)
    before = await scheduler.announcements()
    latest = list({(org, item.activity_id): (org, item) for org, item in changes}.values())
    retitled = [(org, item.model_copy(update={"title": "Andere titel"})) for org, item in latest]
    await scheduler.take_in(latest)  # unchanged: nothing to record
    await scheduler.take_in(retitled)  # new content, same times: the conflicts stand, none announced again

    assert await scheduler.announcements() == before


async def test_an_acknowledged_conflict_speaks_again_when_its_activity_changes_in_a_batch(
    scheduler: Scheduler,
) -> None:
    evening, other = START + timedelta(hours=19), START + timedelta(days=2, hours=19)
    await scheduler.take_in(
        [
            ("staedion", published("a-1", evening, MOERWIJK)),
            ("haag-wonen", published("b-1", evening + timedelta(minutes=30), MOERWIJK)),
            ("staedion", published("c-1", other, MOERWIJK, target_groups=["youth"])),
            (
                "haag-wonen",
                published("d-1", other + timedelta(minutes=30), MOERWIJK, target_groups=["youth"]),
            ),
        ]
    )
    first, second = (conflict_id for _, conflict_id in await scheduler.announcements())
    for conflict_id in (first, second):
        async with scheduler.database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
            await acknowledge(unit, conflict_id, reason="bewust samen", by="gemeente-den-haag")

    longer = published("b-1", evening + timedelta(minutes=30), MOERWIJK, ends_at=evening + timedelta(hours=3))
    with conflict_reads(scheduler.database) as reads:
        await scheduler.take_in(
            [
                ("haag-wonen", longer),
                ("gemeente-den-haag", published("e-1", START + timedelta(days=4), MOERWIJK)),
            ]
        )

    assert len(reads) == 2  # the batch's conflict rows, and the acknowledged ones of its zones
    assert (await scheduler.conflict(first)).acknowledged is False
    assert (await scheduler.conflict(second)).acknowledged is True


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """Every statement sent while the block runs, its first words."""
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split()[:3]))

    event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", seen)


async def test_a_single_activity_is_read_once_per_kind_and_written_once_per_table(
    scheduler: Scheduler,
) -> None:
    evening = START + timedelta(hours=19)
    await scheduler.take_in([("staedion", published("a-1", evening, MOERWIJK))])
    with statements(scheduler.database) as sent:
        await scheduler.take_in([("haag-wonen", published("b-1", evening + timedelta(minutes=30), MOERWIJK))])

    # The zone this process holds is proven current and given its new token in one statement (on SQLite
    # it takes the write lock), so its token is neither read nor written apart.
    zone = ["UPDATE zones SET"] if scheduler.database.is_sqlite else ["SELECT pg_advisory_xact_lock(k) FROM"]
    assert sent == [
        "SELECT 1 AS",  # the stored and the staged version, in one statement
        *zone,
        *(["UPDATE zones SET"] if not scheduler.database.is_sqlite else []),
        "INSERT INTO conflicts",  # the detected conflict, written unless it is open already
        "INSERT INTO activities",
        "INSERT INTO zone_members",
        "INSERT INTO outbox",
    ]
    assert [kind for kind, _ in await scheduler.announcements()] == ["conflict.detected"]


async def test_a_zone_new_to_this_process_is_read_and_its_token_written_with_the_batch(
    scheduler: Scheduler,
) -> None:
    with statements(scheduler.database) as sent:
        await scheduler.take_in([("staedion", published("a-1", START + timedelta(hours=19), MOERWIJK))])
    tokens = [s for s in sent if s.startswith(("UPDATE zones", "SELECT zones", "INSERT INTO zones"))]
    assert tokens == (
        ["UPDATE zones SET", "INSERT INTO zones"]  # SQLite: the read takes the write lock
        if scheduler.database.is_sqlite
        else ["SELECT zones.zone, zones.token", "INSERT INTO zones"]
    )


async def test_a_zone_renewed_by_a_batch_that_changes_nothing_in_it_is_not_rebuilt(
    scheduler: Scheduler,
) -> None:
    evening = START + timedelta(hours=19)
    await scheduler.take_in([("staedion", published("a-1", evening, MOERWIJK))])
    await scheduler.take_in([("staedion", published("a-1", evening, MOERWIJK))])  # unchanged
    with statements(scheduler.database) as sent:
        await scheduler.take_in([("haag-wonen", published("b-1", evening, MOERWIJK))])
    assert not [s for s in sent if "zone_members.organisation" in s or s.startswith("SELECT zones")]
    assert [kind for kind, _ in await scheduler.announcements()] == ["conflict.detected"]


async def test_zones_this_process_holds_are_renewed_together_and_not_rebuilt(scheduler: Scheduler) -> None:
    evening = START + timedelta(hours=19)
    in_both = [
        ("staedion", published("a-1", evening, MOERWIJK)),
        ("staedion", published("a-2", evening, MORGENSTOND)),
    ]
    await scheduler.take_in(in_both)
    with statements(scheduler.database) as sent:
        await scheduler.take_in(
            [
                ("haag-wonen", published("b-1", evening, MOERWIJK)),
                ("haag-wonen", published("b-2", evening, MORGENSTOND)),
            ]
        )
    zones = [s for s in sent if "zones" in s]
    assert zones == ["UPDATE zones SET"]  # both proven current and renewed in one statement
    assert not [s for s in sent if "zone_members.organisation" in s]
    assert [kind for kind, _ in await scheduler.announcements()] == ["conflict.detected"] * 2


async def test_a_committed_batch_leaves_no_reference_cycle_for_the_collector(scheduler: Scheduler) -> None:
    await scheduler.take_in(mixed_batch(seed=5, size=20))  # first use: statements compiled, caches filled
    gc.collect()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        await scheduler.take_in(mixed_batch(seed=6, size=20))
        gc.collect()
        stranded = [item for item in gc.garbage if isinstance(item, SqlSchedulingUnitOfWork | AsyncSession)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert stranded == []
