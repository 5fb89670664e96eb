"""Parked outbox rows: the ones the broker kept refusing, listed for operations, released or discarded.

A discarded row leaves the outbox for good and is kept in ``outbox_discarded`` with the operator's
reason (and logged), so nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import structlog
from sqlalchemy import JSON, DateTime, Integer, String, Table, Text, delete, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from werkplaats.db import Base, BigId, Blob, Database
from werkplaats.errors import WerkplaatsError
from werkplaats.outbox import MAX_REASON, OUTBOX, OutboxRow

log = structlog.get_logger(__name__)

_PARKED = (OutboxRow.parked_at.is_not(None), OutboxRow.sent_at.is_(None))


class DiscardedOutboxRow(Base):
    """A parked outbox row operations discarded: never published, kept with why."""

    __tablename__ = "outbox_discarded"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    """The row's id in the outbox."""
    topic: Mapped[str] = mapped_column(String(255))
    key: Mapped[bytes | None] = mapped_column(Blob, nullable=True)
    payload: Mapped[bytes] = mapped_column(Blob)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer)
    parked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    parked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why the relay parked it."""
    discarded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    """Why operations discarded it."""


DISCARDED = cast(Table, DiscardedOutboxRow.__table__)


class DiscardRefusedError(WerkplaatsError):
    """A discard without a reason, or without naming which rows."""


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


@dataclass(frozen=True)
class Discarded:
    """What a discard did: the ids it discarded, and the asked-for ids that were not parked."""

    ids: list[int]
    not_parked: list[int]


async def discard(
    database: Database, ids: Sequence[int] = (), *, topic: str | None = None, reason: str
) -> Discarded:
    """Move parked rows (of ``ids``, of ``topic``, or both) out of the outbox for good, kept with ``reason``.

    Only parked rows go: a row the relay may still publish, or has published, is never discarded.
    """
    reason = reason.strip()
    if not reason:
        raise DiscardRefusedError("a discard needs a reason (it is kept with the rows and logged)")
    if not ids and topic is None:
        raise DiscardRefusedError("name the rows to discard: their ids, a topic, or both")
    statement = delete(OUTBOX).where(OUTBOX.c.parked_at.is_not(None), OUTBOX.c.sent_at.is_(None))
    if ids:
        statement = statement.where(OUTBOX.c.id.in_(list(ids)))
    if topic is not None:
        statement = statement.where(OUTBOX.c.topic == topic)
    now = datetime.now(UTC)
    async with database.transaction() as session:
        removed = [dict(row) for row in (await session.execute(statement.returning(*OUTBOX.c))).mappings()]
        if removed:
            await session.execute(insert(DISCARDED), [_discarded(row, now, reason) for row in removed])
    removed.sort(key=lambda row: int(row["id"]))
    for row in removed:
        log.warning("outbox_row_discarded", row=row["id"], topic=row["topic"], reason=reason[:MAX_REASON])
    done = [int(row["id"]) for row in removed]
    return Discarded(done, sorted(set(ids) - set(done)))


def _discarded(row: dict[str, Any], now: datetime, reason: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "topic": row["topic"],
        "key": row["key"],
        "payload": row["payload"],
        "headers": row["headers"],
        "created_at": row["created_at"],
        "attempts": row["attempts"],
        "parked_at": row["parked_at"],
        "parked_reason": row["error"],
        "discarded_at": now,
        "reason": reason[:MAX_REASON],
    }


@dataclass(frozen=True)
class DiscardedRow:
    """One discarded row as operations see it (never the payload)."""

    id: int
    topic: str
    key: str | None
    size: int
    discarded_at: datetime
    reason: str
    parked_reason: str


async def discarded(database: Database, *, limit: int = 1000) -> list[DiscardedRow]:
    """The discarded rows, most recently discarded first."""
    columns = DISCARDED.c
    async with database.sessions() as session:
        rows = await session.execute(
            select(
                columns.id,
                columns.topic,
                columns.key,
                func.length(columns.payload),
                columns.discarded_at,
                columns.reason,
                columns.parked_reason,
            )
            .order_by(columns.discarded_at.desc(), columns.id)
            .limit(limit)
        )
        return [
            DiscardedRow(
                id=row_id,
                topic=topic,
                key=None if key is None else key.decode("utf-8", "replace"),
                size=int(size),
                discarded_at=discarded_at,
                reason=reason,
                parked_reason=parked_reason or "",
            )
            for row_id, topic, key, size, discarded_at, reason, parked_reason in rows
        ]
