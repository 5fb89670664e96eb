"""The unit of work: what one transaction stages, and the events it publishes when it commits.

A use case takes a unit of work, reads through its repositories, stages rows and events on it, and
leaves the commit to whoever opened it (the consumer, an API route, a CLI command). Nothing staged
is written before the commit; nothing published leaves the process unless the commit succeeds (the
events go to the outbox in the same transaction).

``SqlUnitOfWork`` writes to the database; ``InMemoryUnitOfWork`` keeps everything in memory for
fast unit tests of use cases. A service subclasses both with its repositories (see
``docs/architecture.md``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import FromClause

from contracts import Envelope, EventData, decode_event, encode_event
from werkplaats.db import array_delete, array_insert
from werkplaats.outbox import OUTBOX
from werkplaats.sqlite_driver import INLINE

_INLINE = {INLINE: True}
"""Staged writes are short: on SQLite they run in the event loop's thread unless they must wait."""
Row = dict[str, Any]
Key = tuple[Any, ...]
AfterCommit = Callable[[], None]


@dataclass(frozen=True)
class StagedEvent:
    """An event the unit of work publishes through the outbox when it commits."""

    topic: str
    key: bytes | None
    payload: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def envelope(self) -> Envelope[EventData]:
        """The staged event decoded (for tests and logs)."""
        return decode_event(self.payload)


class UnitOfWork:
    """One transaction's staged rows and events, and what runs after it commits."""

    def __init__(self) -> None:
        self.events: list[StagedEvent] = []
        """The events this unit of work publishes when it commits, in order."""
        self.inserts: dict[FromClause, list[Row]] = {}
        """Rows appended to a table, one statement per table at commit."""
        self.writes: dict[FromClause, dict[Key, Row | None]] = {}
        """Rows upserted (a row) or deleted (None) by primary key; the last write of a key wins."""
        self._after_commit: list[AfterCommit] = []

    def publish(
        self,
        topic: str,
        envelope: Envelope[Any],
        *,
        key: str | bytes | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Publish ``envelope`` on ``topic`` if and when this unit of work commits."""
        self.publish_raw(topic, encode_event(envelope), key=key, headers=headers)

    def publish_raw(
        self,
        topic: str,
        payload: bytes,
        *,
        key: str | bytes | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Publish raw bytes on ``topic`` if and when this unit of work commits."""
        encoded_key = key.encode() if isinstance(key, str) else key
        self.events.append(StagedEvent(topic, encoded_key, payload, dict(headers or {})))

    def insert(self, table: FromClause, row: Row) -> None:
        """Append ``row`` to ``table`` at commit, in one statement with the table's other new rows."""
        self.inserts.setdefault(table, []).append(row)

    def upsert(self, table: FromClause, row: Row) -> None:
        """Insert or replace ``row`` (by ``table``'s primary key) at commit."""
        self.writes.setdefault(table, {})[primary_key(table, row)] = row

    def delete(self, table: FromClause, key: Row) -> None:
        """Delete the row of ``table`` with primary key ``key`` at commit."""
        self.writes.setdefault(table, {})[primary_key(table, key)] = None

    def after_commit(self, callback: AfterCommit) -> None:
        """Call ``callback`` once after a successful commit (registering it twice calls it once)."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def committed(self) -> None:
        """Run the after-commit callbacks; called by whoever committed."""
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()


def primary_key(table: FromClause, values: Row) -> Key:
    """The primary key of ``values`` in ``table``."""
    return tuple(values[column.name] for column in cast(Table, table).primary_key.columns)


class SqlUnitOfWork(UnitOfWork):
    """A unit of work on one SQLAlchemy session; ``Database.unit_of_work()`` opens and commits it."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self.session = session

    async def flush_staged(self) -> None:
        """Write the staged rows and outbox events in the open transaction (just before the commit)."""
        inserts, self.inserts = self.inserts, {}
        for table, rows in inserts.items():
            await self._insert(cast(Table, table), rows)
        writes, self.writes = self.writes, {}
        for table, by_key in writes.items():
            await self._write(cast(Table, table), by_key)
        if self.events:
            now = datetime.now(UTC)
            rows = [
                {
                    "topic": e.topic,
                    "key": e.key,
                    "payload": e.payload,
                    "headers": e.headers,
                    "created_at": now,
                }
                for e in self.events
            ]
            await self._insert(OUTBOX, rows)

    async def _insert(self, table: Table, rows: list[Row], on_conflict: str = "") -> None:
        """Insert ``rows``: on PostgreSQL in one set-based statement, else as one ``executemany``."""
        dialect = self.session.get_bind().dialect
        columns = rows[0].keys()
        statement = array_insert(table, list(columns), dialect, on_conflict=on_conflict)
        if statement is not None and all(row.keys() == columns for row in rows):
            await self.session.execute(statement.statement, statement.parameters(rows))
        elif on_conflict:
            await self.session.execute(_upsert_statement(table, _keys(table), dialect.name), rows)
        else:
            await self.session.execute(_insert_statement(table), rows)

    async def _write(self, table: Table, writes: dict[Key, Row | None]) -> None:
        keys = _keys(table)
        deleted = [dict(zip(keys, key, strict=True)) for key, row in writes.items() if row is None]
        by_arrays = array_delete(table, self.session.get_bind().dialect) if deleted else None
        if by_arrays is not None:  # PostgreSQL: every key of the batch in one statement
            await self.session.execute(by_arrays.statement, by_arrays.parameters(deleted))
        elif deleted:
            condition = and_(*(table.c[name] == bindparam(f"key_{name}") for name in keys))
            rows = [{f"key_{name}": value for name, value in key.items()} for key in deleted]
            await self.session.execute(delete(table).where(condition).execution_options(**_INLINE), rows)
        upserts = [row for row in writes.values() if row is not None]
        if upserts:
            await self._insert(table, upserts, on_conflict=_replacing(table))


@functools.cache
def _keys(table: Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


@functools.cache
def _replacing(table: Table) -> str:
    """``ON CONFLICT`` of an upsert by primary key on PostgreSQL: the new row replaces the old."""
    keys = _keys(table)
    updates = [
        f'"{column.name}" = EXCLUDED."{column.name}"' for column in table.columns if column.name not in keys
    ]
    quoted = ", ".join(f'"{name}"' for name in keys)
    return f"ON CONFLICT ({quoted}) " + (f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING")


@functools.cache
def _insert_statement(table: Table) -> Any:
    """``INSERT`` into ``table``, built once per table (so its cache key is computed once)."""
    return insert(table).execution_options(**_INLINE)


def _upsert_statement(table: Table, keys: list[str], dialect: str) -> Any:
    return _cached_upsert(table, tuple(keys), dialect)


@functools.cache
def _cached_upsert(table: Table, keys: tuple[str, ...], dialect: str) -> Any:
    statement = postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    updates = {
        column.name: statement.excluded[column.name] for column in table.columns if column.name not in keys
    }
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updates).execution_options(
        **_INLINE
    )


class InMemoryUnitOfWork(UnitOfWork):
    """A unit of work without a database, for unit tests: commits keep what was staged, in memory.

    ``tables`` holds the committed rows of every table written through ``insert``/``upsert``/``delete``,
    ``published`` every event of every commit; ``commits`` counts the commits.
    """

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[Key, Row]] = {}
        self.appended: dict[str, list[Row]] = {}
        self.published: list[StagedEvent] = []
        self.commits = 0

    async def commit(self) -> None:
        """Apply what was staged to the in-memory tables and run the after-commit callbacks."""
        for table, rows in self.inserts.items():
            self.appended.setdefault(table.name, []).extend(rows)  # type: ignore[attr-defined]
        for table, writes in self.writes.items():
            stored = self.tables.setdefault(table.name, {})  # type: ignore[attr-defined]
            for key, row in writes.items():
                if row is None:
                    stored.pop(key, None)
                else:
                    stored[key] = row
        self.published += self.events
        self.inserts, self.writes, self.events = {}, {}, []
        self.commits += 1
        self.committed()

    def envelopes(self, topic: str | None = None) -> Iterator[Envelope[EventData]]:
        """The committed events (of ``topic``), decoded."""
        return (event.envelope() for event in self.published if topic is None or event.topic == topic)
