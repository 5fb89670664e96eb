"""The inbox keeps processed-event records for its retention, then lets them go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from werkplaats.db import Database
from werkplaats.inbox import InboxJanitor, InboxRow, claim

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


async def test_records_older_than_the_retention_are_pruned_and_newer_ones_kept(database_url: str) -> None:
    database = Database(database_url)
    consumer = f"retention-{NOW.timestamp():.0f}"
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(InboxRow.metadata.create_all, tables=[InboxRow.__table__])
        async with database.transaction() as session:
            await claim(session, consumer, ["old", "recent"])
            await session.execute(
                update(InboxRow)
                .where(InboxRow.consumer == consumer, InboxRow.event_id == "old")
                .values(processed_at=NOW - timedelta(days=31))
            )
            await session.execute(
                update(InboxRow)
                .where(InboxRow.consumer == consumer, InboxRow.event_id == "recent")
                .values(processed_at=NOW - timedelta(days=29))
            )

        assert await InboxJanitor(database, timedelta(days=30)).prune(now=NOW) >= 1

        async with database.sessions() as session:
            kept = await session.scalars(select(InboxRow.event_id).where(InboxRow.consumer == consumer))
            assert list(kept) == ["recent"]
    finally:
        await database.dispose()
