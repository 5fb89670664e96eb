"""The scheduler's staged rows written with statements built once per table and dialect.

An upsert built afresh for each table of each batch costs more than the rows of a single-record
batch (its ``excluded`` alias copies every column); the scheduler's tables get theirs once and
SQLAlchemy caches their compiled form by identity.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, and_, bindparam, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
Key = tuple[Any, ...]

_statements: dict[tuple[str, str, str], Any] = {}


def _upsert(table: Table, dialect: str) -> Any:
    statement = postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    keys = [column.name for column in table.primary_key.columns]
    updates = {
        column.name: statement.excluded[column.name] for column in table.columns if column.name not in keys
    }
    return statement.on_conflict_do_update(index_elements=keys, set_=updates)


def _delete(table: Table) -> Any:
    keys = [column.name for column in table.primary_key.columns]
    return delete(table).where(and_(*(table.c[name] == bindparam(f"key_{name}") for name in keys)))


def statement(kind: str, table: Table, dialect: str) -> Any:
    """The ``upsert`` or ``delete`` (by primary key) of ``table`` on ``dialect``, built once."""
    key = (kind, table.name, dialect)
    built = _statements.get(key)
    if built is None:
        built = _statements[key] = _upsert(table, dialect) if kind == "upsert" else _delete(table)
    return built


async def write(session: AsyncSession, table: Table, writes: dict[Key, Row | None]) -> None:
    """Delete the rows staged as None and upsert the others, one statement each."""
    dialect = session.get_bind().dialect.name
    keys = [column.name for column in table.primary_key.columns]
    deleted = [
        {f"key_{name}": value for name, value in zip(keys, key, strict=True)}
        for key, row in writes.items()
        if row is None
    ]
    if deleted:
        await session.execute(statement("delete", table, dialect), deleted)
    upserts = [row for row in writes.values() if row is not None]
    if upserts:
        await session.execute(statement("upsert", table, dialect), upserts)
