"""Past conflicts close: once all their occurrences have ended, with a conflict.resolved that says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from contracts.topics import SCHEDULING_CONFLICTS
from scheduling.main import migrations_location
from scheduling.service.past_conflicts import PastConflictCloser, close_past_conflicts
from scheduling.store import ConflictRow, SqlSchedulingUnitOfWork
from scheduling.store.memory import InMemorySchedulingUnitOfWork
from werkplaats.db import Database
from werkplaats.migrations import upgrade
from werkplaats.outbox import OutboxRow

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def conflict(conflict_id: str, starts: datetime, hours: float = 2) -> ConflictRow:
    ends = starts + timedelta(hours=hours)
    detected: dict[str, Any] = {
        "conflict_id": conflict_id,
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
    }
    return ConflictRow(
        conflict_id=conflict_id,
        owner_zone="wijk:WK051836",
        rule="neighbourhood_overlap",
        severity="high",
        status="open",
        starts_at=starts,
        neighbourhoods=["BU05183620"],
        organisations=["staedion"],
        detected=detected,
        detected_at=starts - timedelta(days=10),
        acknowledged=False,
    )


async def test_only_conflicts_whose_occurrences_all_ended_are_closed_and_announced() -> None:
    unit = InMemorySchedulingUnitOfWork()
    for row in (
        conflict("nbo-past", NOW - timedelta(days=2)),
        conflict("nbo-running", NOW - timedelta(hours=1)),  # ends in an hour
        conflict("nbo-future", NOW + timedelta(days=3)),
    ):
        unit.conflicts.add(row)

    assert await close_past_conflicts(unit, NOW) == 1
    await unit.commit()

    assert {r.conflict_id: r.status for r in unit.conflicts.rows.values()} == {
        "nbo-past": "resolved",
        "nbo-running": "open",
        "nbo-future": "open",
    }
    [event] = [e.envelope() for e in unit.published if e.topic == SCHEDULING_CONFLICTS]
    assert (event.type, event.data.conflict_id) == ("conflict.resolved", "nbo-past")
    assert "voorbij" in event.data.explanation.nl
    assert await close_past_conflicts(unit, NOW) == 0  # once


async def test_the_database_says_what_has_passed_so_a_restart_closes_them_too(database_url: str) -> None:
    database = Database(database_url)
    past_id = f"nbo-past-{NOW.timestamp():.0f}-{database.is_sqlite}"
    try:
        await upgrade(database, migrations_location())
        async with database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
            unit.conflicts.add(conflict(past_id, NOW - timedelta(days=400)))

        assert await PastConflictCloser(database).close_once(NOW) >= 1  # a new process: no memory

        async with database.sessions() as session:
            row = await session.get(ConflictRow, past_id)
            assert row is not None
            assert row.status == "resolved"
            keys = await session.scalars(select(OutboxRow.key).where(OutboxRow.topic == SCHEDULING_CONFLICTS))
            assert past_id.encode() in list(keys)
    finally:
        await database.dispose()
