"""Digest items of reach alerts name their activity in a column of their own (migration 0004)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from notifications.main import migrations_location
from werkplaats.db import Database
from werkplaats.migrations import upgrade

INSERT = text(
    "INSERT INTO digest_items (subscription_id, source_key, conflict_id, item, created_at) "
    "VALUES (:subscription, :key, :conflict, :item, :at)"
)


def _downgrade(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", migrations_location())
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def _columns(database: Database) -> dict[str, tuple[str | None, str | None]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text("SELECT source_key, conflict_id, activity FROM digest_items"))
        return {key: (conflict, activity) for key, conflict, activity in rows.all()}


async def test_reach_items_collected_before_move_their_activity_out_of_the_conflict_column(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        await upgrade(database, migrations_location(), "0003")
        async with database.engine.begin() as connection:
            for key, conflict in (
                ("reach.report_due:staedion/avond-1/2026-03-24T18:30:00Z", "staedion/avond-1"),
                ("announce:c-1:1", "c-1"),
            ):
                values = {"subscription": "s-1", "key": key, "conflict": conflict, "item": "{}"}
                await connection.execute(INSERT, {**values, "at": datetime.now(UTC)})

        await upgrade(database, migrations_location())
        assert await _columns(database) == {
            "reach.report_due:staedion/avond-1/2026-03-24T18:30:00Z": (None, "staedion/avond-1"),
            "announce:c-1:1": ("c-1", None),
        }

        async with database.engine.begin() as connection:
            await connection.run_sync(_downgrade, "0003")
        async with database.engine.connect() as connection:
            rows = await connection.execute(text("SELECT source_key, conflict_id FROM digest_items"))
            assert sorted(rows.all()) == [
                ("announce:c-1:1", "c-1"),
                ("reach.report_due:staedion/avond-1/2026-03-24T18:30:00Z", "staedion/avond-1"),
            ]
    finally:
        await database.dispose()
