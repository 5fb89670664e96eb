"""Subscriptions and organisations' webhooks kept between transactions while the database's version holds.

Every batch of events needs them; reading them costs two statements and decoding every subscription.
The database bumps ``recipients_version`` in the transaction of any change to either table (triggers),
so a transaction reads that one number and uses what the process kept for it, whichever instance, API
call or tool made the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications import domain
from notifications.store.tables import RecipientsVersionRow

Webhook = tuple[str, str]
"""An organisation's webhook: its URL and its signing secret."""


@dataclass
class KnownRecipients:
    """What was read of subscriptions and webhooks while the version was ``version``."""

    version: int
    subscriptions: list[domain.Subscription] | None = None
    webhooks: dict[str, Webhook | None] = field(default_factory=dict)


class RecipientsCache:
    """The subscriptions and webhooks one process keeps, for the version it last saw."""

    def __init__(self) -> None:
        self._known: KnownRecipients | None = None

    def at(self, version: int) -> KnownRecipients:
        """What is kept for ``version``; nothing when the version moved on since."""
        if self._known is None or self._known.version != version:
            self._known = KnownRecipients(version)
        return self._known

    async def read(self, session: AsyncSession) -> KnownRecipients:
        """What is kept for the version ``session``'s transaction sees now (one statement)."""
        version = await session.scalar(
            select(RecipientsVersionRow.version).where(RecipientsVersionRow.id == 1)
        )
        return self.at(int(version or 0))
