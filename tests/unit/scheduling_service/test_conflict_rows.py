"""Conflict rows on SQL: a detection written unless the conflict is open, resolutions written by kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scheduling.main import migrations_location
from scheduling.store import ConflictRow, SqlSchedulingUnitOfWork
from support.testing import migrated_database
from werkplaats.db import Database

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def row(conflict_id: str, title: str) -> dict[str, Any]:
    """A whole open, unacknowledged row as the detector writes it."""
    return {
        "conflict_id": conflict_id,
        "owner_zone": "wijk:WK051836",
        "rule": "neighbourhood_overlap",
        "severity": "high",
        "status": "open",
        "starts_at": NOW + timedelta(days=3),
        "neighbourhoods": ["BU05183620"],
        "organisations": ["haag-wonen", "staedion"],
        "detected": {"title": title},
        "resolution": None,
        "detected_at": NOW,
        "resolved_at": None,
        "acknowledged": False,
        "acknowledged_by": None,
        "acknowledged_reason": None,
        "acknowledged_at": None,
    }


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, migrations_location()) as database:
        yield database


async def stored(database: Database, conflict_id: str) -> ConflictRow:
    async with database.sessions() as session:
        found = await session.get(ConflictRow, conflict_id)
    assert found is not None
    return found


async def test_a_detection_is_written_unless_the_conflict_is_open_and_says_which_it_wrote(
    database: Database,
) -> None:
    async with database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
        assert await unit.conflicts.detect_unless_open([row("c-1", "first"), row("c-2", "first")]) == {
            "c-1",
            "c-2",
        }
    async with database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
        unit.conflicts.record_resolved("c-2", NOW, {"why": "moved"})
        await unit.conflicts.write_changes()

    async with database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
        written = await unit.conflicts.detect_unless_open([row("c-1", "again"), row("c-2", "again")])
        assert (await unit.conflicts.statuses(["c-1", "c-2"]))["c-2"] == "open"

    assert written == {"c-2"}  # c-1 was open: announced before, left as it was
    assert (await stored(database, "c-1")).detected == {"title": "first"}
    reopened = await stored(database, "c-2")
    assert (reopened.status, reopened.detected, reopened.resolution) == ("open", {"title": "again"}, None)


async def test_changes_of_a_row_detected_in_the_same_batch_change_the_row_it_writes(
    database: Database,
) -> None:
    async with database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
        unit.conflicts.record_detected(row("c-3", "first"))
        unit.conflicts.record_changed("c-3", {"title": "longer"})
        unit.conflicts.record_resolved("c-3", NOW, {"why": "withdrawn"})
        await unit.conflicts.write_changes()

    resolved = await stored(database, "c-3")
    assert (resolved.status, resolved.detected, resolved.resolution) == (
        "resolved",
        {"title": "longer"},
        {"why": "withdrawn"},
    )
