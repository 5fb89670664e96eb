"""The notifications unit of work in memory, for fast tests of the use cases without a database."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from notifications import domain
from notifications.store.mapping import subscription_of
from notifications.store.recipients import Webhook
from notifications.store.tables import ConflictRow, DigestItemRow, SubscriptionRow, utc
from notifications.store.unit_of_work import NotificationsUnitOfWork
from werkplaats.unit_of_work import InMemoryUnitOfWork


class InMemoryConflictStates:
    """Conflict states in a dictionary."""

    def __init__(self) -> None:
        self.rows: dict[str, ConflictRow] = {}

    async def lock(self, conflict_ids: Collection[str]) -> None:
        """Nothing to load: every conflict is at hand."""

    async def get(self, conflict_id: str) -> ConflictRow | None:
        """The conflict ``conflict_id``, or None."""
        return self.rows.get(conflict_id)

    def add(self, row: ConflictRow) -> None:
        """Keep a newly seen conflict."""
        self.rows[row.conflict_id] = row

    def loaded(self) -> list[ConflictRow]:
        """Every conflict."""
        return list(self.rows.values())

    async def follow_ups_due(self, now: datetime, limit: int) -> Sequence[ConflictRow]:
        """Conflicts whose quiet period ended by ``now``."""
        due = [
            row
            for row in self.rows.values()
            if row.follow_up_due is not None and utc(row.follow_up_due) <= now
        ]
        return due[:limit]


class InMemorySubscriptions:
    """Subscriptions in a list."""

    def __init__(self) -> None:
        self.rows: list[SubscriptionRow] = []

    async def all(self) -> list[domain.Subscription]:
        """Every subscription."""
        return [subscription_of(row) for row in self.rows]

    async def digests(self) -> Sequence[SubscriptionRow]:
        """The digest subscriptions."""
        return [row for row in self.rows if row.mode == domain.Mode.DIGEST.value]


class InMemoryWebhooks:
    """Organisations' webhooks in a dictionary."""

    def __init__(self) -> None:
        self.hooks: dict[str, Webhook] = {}

    async def of(self, organisations: Iterable[str]) -> dict[str, Webhook | None]:
        """The webhook of each of ``organisations``."""
        return {organisation: self.hooks.get(organisation) for organisation in organisations}


class InMemoryDigestItems:
    """Digest items: those the unit of work committed, numbered in order."""

    def __init__(self, unit: InMemoryUnitOfWork) -> None:
        self.unit = unit

    def _rows(self) -> list[dict[str, Any]]:
        return self.unit.appended.get(DigestItemRow.__tablename__, [])

    async def pending(self, subscription_id: str, before: datetime) -> Sequence[DigestItemRow]:
        """The items of ``subscription_id`` collected before ``before`` and not yet in a digest."""
        return [
            DigestItemRow(id=number, **row)
            for number, row in enumerate(self._rows(), start=1)
            if row["subscription_id"] == subscription_id
            and row.get("digest_id") is None
            and row["created_at"] < before
        ]

    async def assign(self, items: Sequence[DigestItemRow], digest_id: str) -> None:
        """Mark ``items`` as sent in the digest ``digest_id``."""
        rows = self._rows()
        for item in items:
            rows[item.id - 1]["digest_id"] = digest_id


class InMemoryNotificationsUnitOfWork(InMemoryUnitOfWork, NotificationsUnitOfWork):
    """The notifications unit of work in memory; one instance lives through many commits."""

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: InMemoryConflictStates = InMemoryConflictStates()
        self.subscriptions: InMemorySubscriptions = InMemorySubscriptions()
        self.webhooks: InMemoryWebhooks = InMemoryWebhooks()
        self.digest_items: InMemoryDigestItems = InMemoryDigestItems(self)
