"""Transactional outbox: events stored with the state change that caused them, then relayed to Kafka."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import JSON, DateTime, Index, LargeBinary, String, delete, func, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from werkplaats.background import BackgroundTask
from werkplaats.db import Base, BigId, Database
from werkplaats.retry import repeat

log = structlog.get_logger(__name__)

RELAY_LOCK_ID = 0x7765726B  # one PostgreSQL advisory lock: a single relay publishes at a time


class OutboxRow(Base):
    """An event waiting to be published, or already published (``sent_at`` set)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(255))
    key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class PendingMessage:
    """One outbox row as the relay publishes it."""

    id: int
    topic: str
    key: bytes | None
    payload: bytes
    headers: dict[str, str]


Publish = Callable[[Sequence[PendingMessage]], Awaitable[None]]


class OutboxRelay:
    """Publishes committed outbox rows in order, then marks them sent.

    It wakes as soon as this process commits outbox rows, and checks now and then for rows that
    other processes (the CLI, another instance) committed. On PostgreSQL an advisory lock lets one
    relay publish at a time, which keeps the per-key order.
    """

    def __init__(
        self,
        database: Database,
        publish: Publish,
        *,
        batch_size: int = 1000,
        idle_poll_s: float = 0.5,
        keep_sent: timedelta = timedelta(hours=1),
    ) -> None:
        self.database = database
        self.publish = publish
        self.batch_size = batch_size
        self.idle_poll_s = idle_poll_s
        self.keep_sent = keep_sent
        self.published = 0
        self._background = BackgroundTask(self.run, "outbox-relay")
        self._last_purge = datetime.now(UTC)

    async def relay_once(self) -> int:
        """Publish one batch of pending rows; the number published."""
        async with self.database.sessions() as session, session.begin():
            if not self.database.is_sqlite:
                locked = await session.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": RELAY_LOCK_ID}
                )
                if not locked:
                    return 0
            rows = await session.execute(
                select(OutboxRow.id, OutboxRow.topic, OutboxRow.key, OutboxRow.payload, OutboxRow.headers)
                .where(OutboxRow.sent_at.is_(None))
                .order_by(OutboxRow.id)
                .limit(self.batch_size)
            )
            batch = [PendingMessage(*row) for row in rows]
            if not batch:
                return 0
            await self.publish(batch)
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_([m.id for m in batch]))
                .values(sent_at=datetime.now(UTC))
            )
        self.published += len(batch)
        return len(batch)

    async def pending(self) -> int:
        """How many rows wait to be published."""
        async with self.database.sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None))
            )
        return int(count or 0)

    async def purge_sent(self) -> None:
        """Delete rows published longer ago than ``keep_sent``."""
        cutoff = datetime.now(UTC) - self.keep_sent
        async with self.database.transaction() as session:
            await session.execute(delete(OutboxRow).where(OutboxRow.sent_at < cutoff))
        self._last_purge = datetime.now(UTC)

    async def run(self) -> None:
        """Relay until cancelled; failures are logged and retried with backoff."""
        await repeat(self._relay_pending, event="outbox_relay_failed", pause=self._wait_for_commit)

    async def _relay_pending(self) -> None:
        self.database.outbox_committed.clear()
        while await self.relay_once() == self.batch_size:
            pass
        if datetime.now(UTC) - self._last_purge > self.keep_sent / 4:
            await self.purge_sent()

    async def _wait_for_commit(self, _: None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.database.outbox_committed.wait(), timeout=self.idle_poll_s)

    def start(self) -> None:
        """Run the relay in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop the relay; rows not yet marked sent are published again by the next relay."""
        await self._background.stop()
