"""Claiming due deliveries under a lease, and giving back leases of deliveries never sent."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.service.sending.policy import SenderPolicy
from notifications.store import EndpointRow, NotificationRow


async def claim_due(
    session: AsyncSession,
    policy: SenderPolicy,
    now: datetime,
    held: Mapping[str, int],
    *,
    skip_locked: bool,
) -> list[NotificationRow]:
    """Lease due deliveries of endpoints neither backing off nor full (``held``), counting the attempt."""
    limit = policy.held_limit
    full = [endpoint for endpoint, count in held.items() if count >= limit]
    blocked = select(EndpointRow.endpoint).where(EndpointRow.blocked_until > now)
    query = (
        select(NotificationRow.notification_id, NotificationRow.endpoint)
        .where(
            NotificationRow.status == "pending",
            NotificationRow.next_attempt_at <= now,
            or_(NotificationRow.lease_until.is_(None), NotificationRow.lease_until < now),
            NotificationRow.endpoint.not_in(blocked),
        )
        .order_by(NotificationRow.created_at)
        .limit(policy.batch * 4)
    )
    if full:
        query = query.where(NotificationRow.endpoint.not_in(full))
    if skip_locked:
        query = query.with_for_update(skip_locked=True, of=NotificationRow)
    room = {endpoint: limit - count for endpoint, count in held.items()}
    chosen: list[str] = []
    for notification_id, endpoint in (await session.execute(query)).all():
        if room.setdefault(endpoint, limit) > 0 and len(chosen) < policy.batch:
            room[endpoint] -= 1
            chosen.append(notification_id)
    if not chosen:
        return []
    token = str(uuid.uuid4())
    await session.execute(
        update(NotificationRow)
        .where(
            NotificationRow.notification_id.in_(chosen),
            NotificationRow.status == "pending",
            or_(NotificationRow.lease_until.is_(None), NotificationRow.lease_until < now),
        )
        .values(lease_token=token, lease_until=now + policy.lease, attempts=NotificationRow.attempts + 1)
    )
    rows = await session.scalars(select(NotificationRow).where(NotificationRow.lease_token == token))
    return list(rows.all())


async def give_back(session: Any, rows: list[NotificationRow]) -> None:
    """End the leases of claimed deliveries that were never sent, undoing their claims' attempts."""
    await session.execute(
        update(NotificationRow)
        .where(
            tuple_(NotificationRow.notification_id, NotificationRow.lease_token).in_(
                {(row.notification_id, row.lease_token) for row in rows}
            )
        )
        .values(lease_until=None, attempts=NotificationRow.attempts - 1)
        .execution_options(synchronize_session=False)
    )


async def renew(session: AsyncSession, rows: list[NotificationRow], until: datetime) -> set[str]:
    """Extend to ``until`` the leases of waiting deliveries still held under their tokens; the ids renewed."""
    renewed = await session.scalars(
        update(NotificationRow)
        .where(
            tuple_(NotificationRow.notification_id, NotificationRow.lease_token).in_(
                {(row.notification_id, row.lease_token) for row in rows}
            ),
            NotificationRow.status == "pending",
        )
        .values(lease_until=until)
        .returning(NotificationRow.notification_id)
        .execution_options(synchronize_session=False)
    )
    return set(renewed.all())
