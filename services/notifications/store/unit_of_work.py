"""The notifications unit of work: its repositories, on SQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.store.repositories import (
    ConflictStates,
    DigestItems,
    SqlConflictStates,
    SqlDigestItems,
    SqlSubscriptions,
    SqlWebhooks,
    Subscriptions,
    Webhooks,
)
from werkplaats.unit_of_work import SqlUnitOfWork, UnitOfWork


class NotificationsUnitOfWork(UnitOfWork):
    """One notifications transaction: the repositories the use cases read and change."""

    conflicts: ConflictStates
    subscriptions: Subscriptions
    webhooks: Webhooks
    digest_items: DigestItems


class SqlNotificationsUnitOfWork(SqlUnitOfWork, NotificationsUnitOfWork):
    """The notifications unit of work on the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.conflicts = SqlConflictStates(session)
        self.subscriptions = SqlSubscriptions(session)
        self.webhooks = SqlWebhooks(session)
        self.digest_items = SqlDigestItems(session)
