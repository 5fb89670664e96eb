"""Idempotent inbox: processed event ids recorded in the same transaction as their effect."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import structlog
from sqlalchemy import DateTime, String, Table, delete, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from werkplaats.background import BackgroundTask
from werkplaats.db import CHUNK, Base, Database, load_in_chunks
from werkplaats.sqlite_driver import INLINE

log = structlog.get_logger(__name__)


class InboxRow(Base):
    """An event a consumer has processed."""

    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """SHA-256 of the message: the same id with other bytes is a reuse, not a redelivery."""


INBOX = cast(Table, InboxRow.__table__)


@dataclass(frozen=True)
class Claimed:
    """What a claim found: the events new to the consumer, and the ids seen before with other content."""

    fresh: set[str]
    reused: set[str]


async def claim(session: AsyncSession, consumer: str, event_ids: Iterable[str]) -> set[str]:
    """Record ``event_ids`` as processed by ``consumer``; return those not processed before.

    A concurrent claim of the same id finds the first one (on PostgreSQL it waits for that transaction
    to end), so an effect happens once.
    """
    return (await claim_events(session, consumer, dict.fromkeys(event_ids))).fresh


async def claim_events(session: AsyncSession, consumer: str, digests: Mapping[str, str | None]) -> Claimed:
    """Record each event id with the digest of its content; the new ids, and the reused ones.

    An id seen before with another digest is *reused*: a different event under an old id, not a
    redelivery. An id stored without a digest (or claimed without one) counts as a redelivery.
    One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` claims the new ids (on PostgreSQL over the
    batch's ids as arrays); only the ids it did not insert (redeliveries, rare) are read back for their
    digests.
    """
    if not digests:
        return Claimed(set(), set())
    fresh = await _claim_new(session, consumer, digests, datetime.now(UTC))
    seen = await _stored_digests(
        session, consumer, [event_id for event_id in digests if event_id not in fresh]
    )
    reused = {
        event_id
        for event_id, stored in seen.items()
        if stored and digests[event_id] and stored != digests[event_id]
    }
    return Claimed(fresh, reused)


async def _claim_new(
    session: AsyncSession, consumer: str, digests: Mapping[str, str | None], now: datetime
) -> set[str]:
    """Insert an inbox row for each id not there yet; the ids inserted."""
    if session.get_bind().dialect.name == "postgresql":  # one statement, whatever the batch's size
        ids = list(digests)
        parameters = {"consumer": consumer, "now": now, "ids": ids, "digests": list(digests.values())}
        return set((await session.execute(_CLAIM_ARRAYS, parameters)).scalars())
    rows = [
        {"consumer": consumer, "event_id": event_id, "processed_at": now, "digest": digest}
        for event_id, digest in digests.items()
    ]
    fresh: set[str] = set()
    for start in range(0, len(rows), CHUNK):
        fresh.update((await session.execute(_CLAIM_ROWS, rows[start : start + CHUNK])).scalars())
    return fresh


_CLAIM_ROWS = (
    sqlite_insert(INBOX)
    .on_conflict_do_nothing()
    .returning(INBOX.c.event_id)
    .execution_options(**{INLINE: True})
)
"""Built once: a statement reused is neither rebuilt nor given a new cache key per batch."""
_CLAIM_ARRAYS = text(
    "INSERT INTO inbox (consumer, event_id, processed_at, digest)"
    " SELECT CAST(:consumer AS VARCHAR(100)), u.event_id, CAST(:now AS TIMESTAMP WITH TIME ZONE), u.digest"
    " FROM unnest(CAST(:ids AS VARCHAR(64)[]), CAST(:digests AS VARCHAR(64)[])) AS u(event_id, digest)"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)
"""PostgreSQL: the batch's ids and digests as two arrays, one prepared statement for any batch's size."""


async def _stored_digests(
    session: AsyncSession, consumer: str, event_ids: list[str]
) -> dict[str, str | None]:
    async def stored(chunk: list[str]) -> Iterable[tuple[str, str]]:
        found = await session.execute(
            select(INBOX.c.event_id, INBOX.c.digest).where(
                INBOX.c.consumer == consumer, INBOX.c.event_id.in_(chunk)
            )
        )
        return ((event_id, digest or "") for event_id, digest in found)

    return await load_in_chunks(event_ids, stored) if event_ids else {}


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
