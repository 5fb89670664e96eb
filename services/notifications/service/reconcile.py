"""After a restore: deliveries that ``notifications.deliveries`` shows as done are never sent again.

A restored database lacks the deliveries made after its dump; the replayed conflict events decide them
again under the same deterministic ids. Their outcomes are on ``notifications.deliveries``, so they are
recorded as settled first, and the sender closes a settled delivery without sending it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import ContractError, NotificationDelivered, NotificationFailed, decode_event
from contracts.topics import NOTIFICATIONS_DELIVERIES
from notifications.store import NotificationRow, SettledDeliveryRow
from werkplaats.db import Database
from werkplaats.kafka_security import Security
from werkplaats.replay import read_topic

OUTCOMES = frozenset({NotificationDelivered.event_type, NotificationFailed.event_type})
BATCH = 500


async def settled_since(
    bootstrap: str, since: datetime | None, *, security: Security = None
) -> dict[str, tuple[str, datetime]]:
    """Each notification whose outcome ``notifications.deliveries`` holds since ``since``."""
    outcomes: dict[str, tuple[str, datetime]] = {}
    async for record in read_topic(bootstrap, NOTIFICATIONS_DELIVERIES, since=since, security=security):
        try:
            event = decode_event(record.value, accept=OUTCOMES)
        except ContractError:
            continue  # not an outcome this service wrote; the topic's readers dead-letter it
        data = event.data
        assert isinstance(data, NotificationDelivered | NotificationFailed)
        outcome = "delivered" if isinstance(data, NotificationDelivered) else "failed"
        outcomes[data.notification_id] = (outcome, event.occurred_at)
    return outcomes


async def record_settled(database: Database, outcomes: dict[str, tuple[str, datetime]]) -> int:
    """Record the outcomes the database does not know yet; return how many were new."""
    new = 0
    for chunk in _chunks(sorted(outcomes), BATCH):
        async with database.transaction() as session:
            known = set(
                await session.scalars(
                    select(SettledDeliveryRow.notification_id).where(
                        SettledDeliveryRow.notification_id.in_(chunk)
                    )
                )
            )
            finished = set(
                await session.scalars(
                    select(NotificationRow.notification_id).where(
                        NotificationRow.notification_id.in_(chunk), NotificationRow.status != "pending"
                    )
                )
            )
            for notification_id in chunk:
                if notification_id not in known | finished:
                    outcome, at = outcomes[notification_id]
                    session.add(
                        SettledDeliveryRow(notification_id=notification_id, outcome=outcome, settled_at=at)
                    )
                    new += 1
    return new


async def open_settled(session: AsyncSession) -> set[str]:
    """Deliveries a restore recorded as settled that are not finished here yet: never to be sent again.

    A restore runs while the service is stopped, so what this returns when the sender starts only
    shrinks while it runs: as the replay decides those deliveries again and the claim closes them.
    """
    finished = exists().where(
        NotificationRow.notification_id == SettledDeliveryRow.notification_id,
        NotificationRow.status != "pending",
    )
    return set(await session.scalars(select(SettledDeliveryRow.notification_id).where(~finished)))


async def close_settled(session: AsyncSession, now: datetime) -> None:
    """Mark pending deliveries that are already settled as finished, with their recorded outcome."""
    for outcome in ("delivered", "failed"):
        settled = select(SettledDeliveryRow.notification_id).where(SettledDeliveryRow.outcome == outcome)
        await session.execute(
            update(NotificationRow)
            .where(NotificationRow.status == "pending", NotificationRow.notification_id.in_(settled))
            .values(status=outcome, finished_at=now, lease_until=None)
        )


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
