"""Parked outbox rows: the ones the broker kept refusing, listed for operations and released on demand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from werkplaats.db import Database
from werkplaats.outbox import OutboxRow

_PARKED = (OutboxRow.parked_at.is_not(None), OutboxRow.sent_at.is_(None))


@dataclass(frozen=True)
class ParkedRow:
    """One parked row as operations see it (never the payload)."""

    id: int
    topic: str
    key: str | None
    size: int
    attempts: int
    parked_at: datetime
    reason: str


async def count(database: Database) -> int:
    """How many rows are parked."""
    async with database.sessions() as session:
        parked = await session.scalar(select(func.count()).select_from(OutboxRow).where(*_PARKED))
    return int(parked or 0)


async def parked(database: Database, *, limit: int = 1000) -> list[ParkedRow]:
    """The parked rows, oldest first."""
    async with database.sessions() as session:
        rows = await session.execute(
            select(
                OutboxRow.id,
                OutboxRow.topic,
                OutboxRow.key,
                func.length(OutboxRow.payload),
                OutboxRow.attempts,
                OutboxRow.parked_at,
                OutboxRow.error,
            )
            .where(*_PARKED)
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [
            ParkedRow(
                id=row_id,
                topic=topic,
                key=None if key is None else key.decode("utf-8", "replace"),
                size=int(size),
                attempts=attempts,
                parked_at=parked_at,
                reason=reason or "",
            )
            for row_id, topic, key, size, attempts, parked_at, reason in rows
        ]


async def retry(database: Database, ids: Sequence[int] = ()) -> int:
    """Release parked rows (those of ``ids``, or all) to the relay, with fresh attempts; how many."""
    statement = update(OutboxRow).where(*_PARKED)
    if ids:
        statement = statement.where(OutboxRow.id.in_(list(ids)))
    async with database.transaction() as session:
        result = await session.execute(
            statement.values(parked_at=None, retry_at=None, attempts=0, error=None)
        )
    database.outbox_committed.set()
    return int(getattr(result, "rowcount", 0) or 0)
