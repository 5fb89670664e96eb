"""A database's schema as plain data (tables, columns, keys, indexes), to compare migrations by."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from werkplaats.db import Database
from werkplaats.migrations import upgrade

Schema = dict[str, dict[str, Any]]


def _describe(connection: Connection) -> Schema:
    inspector = inspect(connection)
    dialect = connection.dialect
    schema: Schema = {}
    for table in sorted(inspector.get_table_names()):
        columns = {
            column["name"]: {
                "type": column["type"].compile(dialect=dialect),
                "nullable": column["nullable"],
                "default": column.get("default"),
            }
            for column in inspector.get_columns(table)
        }
        indexes = sorted(
            (index["name"] or "", tuple(index["column_names"]), bool(index["unique"]))
            for index in inspector.get_indexes(table)
        )
        uniques = sorted(tuple(unique["column_names"]) for unique in inspector.get_unique_constraints(table))
        foreign = sorted(
            (tuple(key["constrained_columns"]), key["referred_table"], tuple(key["referred_columns"]))
            for key in inspector.get_foreign_keys(table)
        )
        schema[table] = {
            "columns": columns,
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": [list(index) for index in indexes],
            "unique": [list(unique) for unique in uniques],
            "foreign_keys": [list(key) for key in foreign],
        }
    return schema


async def schema_of(database: Database) -> Schema:
    """The tables of ``database`` as JSON-ready data."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(_describe)


async def migrated_schema(url: str, script_location: str, revision: str = "head") -> Schema:
    """The schema of a fresh database at ``url`` migrated by ``script_location`` up to ``revision``."""
    database = Database(url)
    try:
        await upgrade(database, script_location, revision)
        return await schema_of(database)
    finally:
        await database.engine.dispose()


def _downgrade(connection: Connection, script_location: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", script_location)
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def downgraded_schema(url: str, script_location: str, *, to: str, from_: str = "head") -> Schema:
    """The schema left after migrating a fresh database at ``url`` up to ``from_``, then down to ``to``."""
    database = Database(url)
    try:
        await upgrade(database, script_location, from_)
        async with database.engine.begin() as connection:
            await connection.run_sync(_downgrade, script_location, to)
        return await schema_of(database)
    finally:
        await database.engine.dispose()
