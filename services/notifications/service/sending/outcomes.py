"""Marking a delivery's outcome under its lease: delivered (in batches), failed for good, or retried later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.service import delivery_events
from notifications.store import NotificationRow
from notifications.store.endpoints import endpoints_recovered
from werkplaats.unit_of_work import SqlUnitOfWork


def _leased(row: NotificationRow) -> ColumnElement[bool]:
    """The row of this delivery, only while it is held under this lease."""
    return and_(
        NotificationRow.notification_id == row.notification_id,
        NotificationRow.lease_token == row.lease_token,
    )


async def mark_delivered(unit: SqlUnitOfWork, rows: list[NotificationRow], now: datetime) -> set[str]:
    """Mark delivered those of ``rows`` whose lease still holds, with their events; their endpoints."""
    leases = {(row.notification_id, row.lease_token) for row in rows}
    held = set(
        (
            await unit.session.scalars(
                update(NotificationRow)
                .where(tuple_(NotificationRow.notification_id, NotificationRow.lease_token).in_(leases))
                .values(status="delivered", finished_at=now, lease_until=None)
                .returning(NotificationRow.notification_id)
                .execution_options(synchronize_session=False)
            )
        ).all()
    )
    mine = [row for row in rows if row.notification_id in held]
    if not mine:
        return set()
    recovered = {row.endpoint for row in mine}
    await endpoints_recovered(unit.session, recovered)
    for row in mine:
        delivery_events.delivered(unit, row, now)
    return recovered


async def mark_failed(unit: SqlUnitOfWork, row: NotificationRow, now: datetime, reason: str) -> None:
    """Fail a delivery for good (if its lease still holds) and announce it."""
    await unit.session.execute(
        update(NotificationRow)
        .where(_leased(row))
        .values(status="failed", finished_at=now, lease_until=None, last_error=reason)
    )
    delivery_events.failed(unit, row, now, reason)


async def mark_retry(session: AsyncSession, row: NotificationRow, at: datetime, reason: str) -> None:
    """Let a delivery be claimed again from ``at`` (if its lease still holds)."""
    await session.execute(
        update(NotificationRow)
        .where(_leased(row))
        .values(next_attempt_at=at, lease_until=None, last_error=reason)
    )
