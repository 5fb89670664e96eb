"""Idempotent inbox: processed event ids recorded in the same transaction as their effect."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """SHA-256 of the message: the same id with other bytes is a reuse, not a redelivery."""


@dataclass(frozen=True)
class Claimed:
    """What a claim found: the events new to the consumer, and the ids seen before with other content."""

    fresh: set[str]
    reused: set[str]


async def claim(session: AsyncSession, consumer: str, event_ids: Iterable[str]) -> set[str]:
    """Record ``event_ids`` as processed by ``consumer``; return those not processed before.

    The primary key makes a concurrent second claim fail at commit, so an effect happens once.
    """
    return (await claim_events(session, consumer, dict.fromkeys(event_ids))).fresh


async def claim_events(session: AsyncSession, consumer: str, digests: Mapping[str, str | None]) -> Claimed:
    """Record each event id with the digest of its content; the new ids, and the reused ones.

    An id seen before with another digest is *reused*: a different event under an old id, not a
    redelivery. An id stored without a digest (or claimed without one) counts as a redelivery.
    """
    if not digests:
        return Claimed(set(), set())

    async def processed(chunk: list[str]) -> Iterable[tuple[str, str]]:
        found = await session.execute(
            select(InboxRow.event_id, InboxRow.digest).where(
                InboxRow.consumer == consumer, InboxRow.event_id.in_(chunk)
            )
        )
        return ((event_id, digest or "") for event_id, digest in found)

    seen = await load_in_chunks(digests, processed)
    fresh = {event_id for event_id in digests if seen[event_id] is None}
    reused = {
        event_id
        for event_id, stored in seen.items()
        if stored and digests[event_id] and stored != digests[event_id]
    }
    now = datetime.now(UTC)
    if fresh:
        rows = [
            {"consumer": consumer, "event_id": event_id, "processed_at": now, "digest": digests[event_id]}
            for event_id in fresh
        ]
        await session.execute(insert(InboxRow), rows)
    return Claimed(fresh, reused)


def digest_of(message: bytes) -> str:
    """SHA-256 of a message as it arrived; a redelivery (Kafka, relay, retried send) has the same bytes."""
    return hashlib.sha256(message).hexdigest()


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
