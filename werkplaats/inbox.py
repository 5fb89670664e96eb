"""Idempotent inbox: processed event ids recorded in the same transaction as their effect."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, String, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from werkplaats.db import Base, load_in_chunks


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


async def forget_before(session: AsyncSession, age: timedelta) -> None:
    """Drop records older than ``age``; redelivery that late cannot happen."""
    await session.execute(delete(InboxRow).where(InboxRow.processed_at < datetime.now(UTC) - age))
