"""Two inline scheduler instances on one database: a zone one changes is seen by the other, never missed."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from contracts import ActivityPublished, decode_event
from contracts.areas import load_areas
from contracts.topics import SCHEDULING_CONFLICTS, SCHEDULING_PLACEMENTS
from scheduling.domain import Activity, Agenda, UnfavourableCalendar
from scheduling.main import migrations_location
from scheduling.service.detector import ZoneDetector
from scheduling.service.intake import Intake
from scheduling.store import SqlSchedulingUnitOfWork
from support.testing import wait_for
from werkplaats.db import Database
from werkplaats.migrations import upgrade
from werkplaats.outbox import OutboxRow

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
HORIZON = timedelta(days=365)
MOERWIJK_OOST = "BU05183620"
Change = tuple[str, ActivityPublished]


def new_agenda(zone: str | None) -> Agenda:
    return Agenda(calendar=UnfavourableCalendar((), public_holidays=False), horizon=HORIZON, owner_zone=zone)


def published(activity_id: str, start: datetime, **extra: Any) -> ActivityPublished:
    fields: dict[str, Any] = {
        "activity_id": activity_id,
        "title": f"Bewonersavond {activity_id}",
        "kind": "consultation",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "neighbourhoods": [MOERWIJK_OOST],
        "target_groups": ["tenants"],
    }
    return ActivityPublished.model_validate(fields | extra)


class Instance:
    """One scheduler instance's intake and detector (its own cache) on its own connections."""

    def __init__(self, url: str) -> None:
        self.database = Database(url)
        self.detector = ZoneDetector(new_agenda, load_areas())
        self.intake = Intake(horizon=HORIZON, place=self.detector.apply)

    async def prepare(self, unit: SqlSchedulingUnitOfWork, changes: list[Change]) -> None:
        """What the intake consumer does first: load the activities, lock and load their zones."""
        await self.intake.prefetch(unit, [(org, item.activity_id) for org, item in changes])
        await self.detector.prefetch(unit, await self.intake.zones_touched(unit, changes))

    async def take_in(self, *changes: Change) -> None:
        """One batch of the intake consumer, committed."""
        async with self.database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
            await self.prepare(unit, list(changes))
            for organisation, item in changes:
                await self.intake.publish(unit, organisation, item, correlation_id="c")


@pytest.fixture
async def instances(database_url: str) -> AsyncIterator[tuple[Instance, Instance]]:
    first, second = Instance(database_url), Instance(database_url)
    await upgrade(first.database, migrations_location())
    yield first, second
    for instance in (first, second):
        await instance.database.dispose()


def oracle(changes: list[Change]) -> set[str]:
    agenda, now = new_agenda(None), datetime.now(UTC)
    for organisation, item in changes:
        agenda.upsert(Activity.from_published(organisation, item), now)
    return set(agenda.open_conflicts())


async def announced(database: Database) -> Counter[str]:
    """How often each conflict was announced (``conflict.detected`` in the outbox)."""
    async with database.sessions() as session:
        rows = await session.scalars(select(OutboxRow.payload).where(OutboxRow.topic == SCHEDULING_CONFLICTS))
        events = [decode_event(payload) for payload in rows]
        placements = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == SCHEDULING_PLACEMENTS)
        )
    assert placements == 0, "inline detection publishes no placements"
    return Counter(event.data.conflict_id for event in events if event.type == "conflict.detected")  # type: ignore[attr-defined]


async def test_an_instance_rebuilds_a_zone_another_instance_changed_and_misses_no_conflict(
    instances: tuple[Instance, Instance],
) -> None:
    first, second = instances
    changes = [
        ("staedion", published("a-1", START)),
        ("gemeente-den-haag", published("b-1", START + timedelta(minutes=30))),
        ("haag-wonen", published("c-1", START + timedelta(minutes=45))),
    ]
    await first.take_in(changes[0])  # the first instance holds the zone in memory now
    await second.take_in(changes[1])
    await first.take_in(changes[2])  # its cached zone is stale: rebuilt, so b-1 is seen

    counts = await announced(first.database)
    assert set(counts) == oracle(changes)
    assert len(counts) == 3
    assert set(counts.values()) == {1}


async def test_a_second_instance_waits_for_the_first_to_commit_before_it_reads_the_zone(
    instances: tuple[Instance, Instance], database_url: str
) -> None:
    first, second = instances
    early = ("staedion", published("x-1", START - timedelta(days=1)))
    late = ("gemeente-den-haag", published("b-1", START + timedelta(minutes=30)))
    await second.take_in(early)  # the second instance holds the zone in memory now
    async with first.database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
        change = ("staedion", published("a-1", START))
        await first.prepare(unit, [change])
        await first.intake.publish(unit, *change, correlation_id="c")
        waiting = asyncio.create_task(second.take_in(late))
        await held_back(waiting, first.database)
    await waiting

    counts = await announced(first.database)
    assert set(counts) == oracle([early, change, late])
    assert list(counts.values()) == [1]


async def held_back(task: asyncio.Task[None], database: Database) -> None:
    """Return once ``task`` waits for a lock the open transaction holds (it must not finish meanwhile)."""
    if database.is_sqlite:  # no view of waiting connections: it must still wait after a while
        done, _ = await asyncio.wait({task}, timeout=0.5)
        assert not done, "the second instance read the zone while the first had not committed"
        return

    async def waits() -> bool:
        assert not task.done(), "the second instance read the zone while the first had not committed"
        async with database.sessions() as session:
            query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            return bool(await session.scalar(query))

    await wait_for(waits, timeout=30, interval=0.05)
