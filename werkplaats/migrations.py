"""Alembic migrations run from code, and the runtime's own tables every service migration creates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any, cast

import sqlalchemy as sa
from alembic import command, op
from alembic.config import Config
from alembic.operations import Operations
from sqlalchemy import MetaData

from werkplaats.db import Base, BigId, Database
from werkplaats.settings import ServiceSettings

MIGRATION_LOCK_ID = 0x6D696772  # PostgreSQL advisory lock: instances starting together migrate one at a time
RUNTIME_VERSION_TABLE = "alembic_version_runtime"
"""The runtime's own migrations (``werkplaats/schema``) keep their version apart from the service's."""
TZ = sa.DateTime(timezone=True)
"""A moment with its offset: how every service's tables store time."""
Step = Callable[[], None]


async def upgrade(database: Database, script_location: str, revision: str = "head") -> None:
    """Bring ``database`` to ``revision`` with the migrations in ``script_location``.

    At ``head`` the runtime's own migrations follow (the service's first migration made its tables).
    """
    async with database.engine.begin() as connection:
        if not database.is_sqlite:
            await connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        await connection.run_sync(_upgrade, script_location, revision)
        if revision == "head":
            await connection.run_sync(_upgrade, runtime_migrations_location(), "head")


@asynccontextmanager
async def migrated(settings: ServiceSettings, service: str, script_location: str) -> AsyncIterator[Database]:
    """The database of ``service`` brought to head, disposed of on leaving (a command's or a loader's)."""
    database = Database(settings.database_url_of(service))
    try:
        await upgrade(database, script_location)
        yield database
    finally:
        await database.dispose()


def runtime_migrations_location() -> str:
    """Where the runtime's own migrations live."""
    return str(resources.files("werkplaats").joinpath("schema"))


def _upgrade(connection: Any, script_location: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", script_location)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def create_runtime_tables(op: Operations) -> None:
    """Create the outbox and inbox tables (the first migration of every service calls this)."""
    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("key", sa.LargeBinary, nullable=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
    )
    op.create_index("ix_outbox_pending", "outbox", ["sent_at", "id"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("processed_at", TZ, nullable=False),
    )
    op.create_index("ix_inbox_processed_at", "inbox", ["processed_at"])


def drop_runtime_tables(op: Operations) -> None:
    """Drop the outbox and inbox tables."""
    op.drop_table("inbox")
    op.drop_table("outbox")


def first_migration(create_tables: Step, *, drop: Sequence[str]) -> tuple[Step, Step]:
    """``upgrade`` and ``downgrade`` of a service's first migration.

    ``upgrade`` creates the runtime tables (outbox, inbox), then calls ``create_tables`` for the
    service's own; ``downgrade`` drops the service's tables in the order ``drop`` names them, then the
    runtime tables. In the migration: ``upgrade, downgrade = first_migration(create_tables, drop=(...))``.
    """
    operations = cast(Operations, op)  # alembic's module proxy of the running migration's operations

    def upgrade() -> None:
        create_runtime_tables(operations)
        create_tables()

    def downgrade() -> None:
        for table in drop:
            operations.drop_table(table)
        drop_runtime_tables(operations)

    return upgrade, downgrade


def run_environment(metadata: MetaData, version_table: str) -> None:
    """Run a service's migrations on the connection ``upgrade`` passes (a service's ``migrations/env.py``)."""
    from alembic import context

    context.configure(
        connection=context.config.attributes["connection"],
        target_metadata=[metadata, Base.metadata],
        render_as_batch=True,
        version_table=version_table,
    )
    with context.begin_transaction():
        context.run_migrations()
