"""The notifications unit of work: its repositories, on SQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.store.recipients import RecipientsCache
from notifications.store.repositories import (
    ConflictStates,
    DigestItems,
    SqlConflictStates,
    SqlDigestItems,
    SqlRecipients,
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
    """The notifications unit of work on the service's database.

    With ``recipients``, subscriptions and webhooks are kept between transactions while the database's
    version of them holds (one statement per transaction instead of two and the decoding).
    """

    def __init__(self, session: AsyncSession, recipients: RecipientsCache | None = None) -> None:
        super().__init__(session)
        kept = SqlRecipients(session, recipients)
        self.conflicts = SqlConflictStates(session)
        self.subscriptions = SqlSubscriptions(session, kept)
        self.webhooks = SqlWebhooks(session, kept)
        self.digest_items = SqlDigestItems(session)
