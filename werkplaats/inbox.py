"""Idempotent inbox: processed event ids recorded in the same transaction as their effect."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import DateTime, String, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from werkplaats.background import BackgroundTask
from werkplaats.db import Base, Database, load_in_chunks

log = structlog.get_logger(__name__)


class InboxRow(Base):
    """An event a consumer has processed."""

    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


async def claim(session: AsyncSession, consumer: str, event_ids: Iterable[str]) -> set[str]:
    """Record ``event_ids`` as processed by ``consumer``; return those not processed before.

    The primary key makes a concurrent second claim fail at commit, so an effect happens once.
    """
    wanted = set(event_ids)
    if not wanted:
        return set()

    async def processed(chunk: list[str]) -> Iterable[tuple[str, bool]]:
        found = await session.scalars(
            select(InboxRow.event_id).where(InboxRow.consumer == consumer, InboxRow.event_id.in_(chunk))
        )
        return ((event_id, True) for event_id in found)

    seen = await load_in_chunks(wanted, processed)
    fresh = {event_id for event_id in wanted if not seen[event_id]}
    now = datetime.now(UTC)
    if fresh:
        rows = [{"consumer": consumer, "event_id": event_id, "processed_at": now} for event_id in fresh]
        await session.execute(insert(InboxRow), rows)
    return fresh


async def forget_before(session: AsyncSession, age: timedelta, *, now: datetime | None = None) -> int:
    """Drop records older than ``age``; redelivery that late cannot happen. How many were dropped."""
    cutoff = (now or datetime.now(UTC)) - age
    result = await session.execute(delete(InboxRow).where(InboxRow.processed_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


class InboxJanitor:
    """Keeps the inbox to its retention: every ``interval_s``, records older than ``retention`` go."""

    def __init__(self, database: Database, retention: timedelta, interval_s: float = 3600.0) -> None:
        self.database = database
        self.retention = retention
        self.interval_s = interval_s
        self._background = BackgroundTask(self.run, "inbox-janitor")

    async def prune(self, *, now: datetime | None = None) -> int:
        """Drop the records past the retention once; how many."""
        async with self.database.transaction() as session:
            dropped = await forget_before(session, self.retention, now=now)
        if dropped:
            log.info("inbox_pruned", dropped=dropped, retention_days=self.retention.days)
        return dropped

    async def run(self) -> None:
        """Prune until cancelled; a failed round is logged and tried again next time."""
        while True:
            try:
                await self.prune()
            except Exception:
                log.exception("inbox_prune_failed")
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        """Prune in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop pruning."""
        await self._background.stop()
