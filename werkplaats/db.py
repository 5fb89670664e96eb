"""Async SQLAlchemy storage: SQLite embedded by default, PostgreSQL when a URL is configured."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Integer, Table, and_, bindparam, delete, event, insert, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

# An auto-incrementing 64-bit key; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

OUTBOX_PENDING = "werkplaats.outbox_pending"
PRE_COMMIT = "werkplaats.pre_commit"

PreCommit = Callable[[AsyncSession], Awaitable[None]]


STAGED_ROWS = "werkplaats.staged_rows"


def stage_insert(session: AsyncSession, table: Any, row: dict[str, Any]) -> None:
    """Insert ``row`` into ``table`` just before the transaction commits, batched with its like.

    One statement per table and transaction instead of one per row: the cheap way to write
    append-only records from a handler called once per event.
    """
    staged: dict[Any, list[dict[str, Any]]] | None = session.info.get(STAGED_ROWS)
    if staged is None:
        staged = session.info[STAGED_ROWS] = {}
        session.info.setdefault(PRE_COMMIT, []).append(_insert_staged)
    staged.setdefault(table, []).append(row)


async def _insert_staged(session: AsyncSession) -> None:
    for table, rows in session.info.pop(STAGED_ROWS, {}).items():
        await session.execute(insert(table), rows)


STAGED_WRITES = "werkplaats.staged_writes"
_DELETED = None


def stage_upsert(session: AsyncSession, table: Table, row: dict[str, Any]) -> None:
    """Insert or replace ``row`` (by ``table``'s primary key) just before the transaction commits.

    The last staged write of a key wins, so writing one zone a hundred times in a batch costs one
    statement per table, not a hundred round trips.
    """
    _staged_writes(session, table)[_primary_key(table, row)] = row


def stage_delete(session: AsyncSession, table: Table, key: dict[str, Any]) -> None:
    """Delete the row with primary key ``key`` just before the transaction commits."""
    _staged_writes(session, table)[_primary_key(table, key)] = _DELETED


def _staged_writes(session: AsyncSession, table: Table) -> dict[tuple[Any, ...], dict[str, Any] | None]:
    staged: dict[Table, dict[tuple[Any, ...], dict[str, Any] | None]] | None = session.info.get(STAGED_WRITES)
    if staged is None:
        staged = session.info[STAGED_WRITES] = {}
        session.info.setdefault(PRE_COMMIT, []).append(_write_staged)
    return staged.setdefault(table, {})


def _primary_key(table: Table, values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[column.name] for column in table.primary_key.columns)


async def _write_staged(session: AsyncSession) -> None:
    dialect = session.get_bind().dialect.name
    for table, writes in session.info.pop(STAGED_WRITES, {}).items():
        keys = [column.name for column in table.primary_key.columns]
        deleted = [dict(zip(keys, key, strict=True)) for key, row in writes.items() if row is _DELETED]
        if deleted:
            condition = and_(*(table.c[name] == bindparam(f"key_{name}") for name in keys))
            rows = [{f"key_{name}": value for name, value in key.items()} for key in deleted]
            await session.execute(delete(table).where(condition), rows)
        upserts = [row for row in writes.values() if row is not _DELETED]
        if upserts:
            await session.execute(_upsert_statement(table, keys, dialect), upserts)


def _upsert_statement(table: Table, keys: list[str], dialect: str) -> Any:
    statement = postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    updates = {
        column.name: statement.excluded[column.name] for column in table.columns if column.name not in keys
    }
    return statement.on_conflict_do_update(index_elements=keys, set_=updates)


class Base(DeclarativeBase):
    """Declarative base of the runtime's own tables (outbox, inbox)."""


def _prepare_sqlite(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class Database:
    """One service's database: the engine, sessions, and a signal that outbox rows were committed."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        if self.is_sqlite:
            _prepare_sqlite(url)
            self.engine: AsyncEngine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_async_engine(
                url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True
            )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.outbox_committed = asyncio.Event()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on error; wakes the outbox relay.

        Work staged for the end of the transaction (``PRE_COMMIT`` callbacks) runs just before the commit.
        """
        async with self.sessions() as session:
            async with session.begin():
                yield session
                for before_commit in session.info.pop(PRE_COMMIT, ()):
                    await before_commit(session)
            if session.info.pop(OUTBOX_PENDING, False):
                self.outbox_committed.set()

    async def create_all(self, *metadatas: Any) -> None:
        """Create the tables of ``metadatas`` that do not exist (tests and tools; services migrate)."""
        async with self.engine.begin() as connection:
            for metadata in (Base.metadata, *metadatas):
                await connection.run_sync(metadata.create_all)

    async def ping(self) -> bool:
        """Whether the database answers."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False
        return True

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
