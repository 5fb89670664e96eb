"""What notifications reads and keeps, behind one interface per kind of thing, on SQL.

Each repository remembers what it read for the rest of its transaction, so a batch of events
reads each conflict, subscription list and webhook once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notifications import domain
from notifications.store.mapping import subscription_of
from notifications.store.recipients import KnownRecipients, RecipientsCache, Webhook
from notifications.store.tables import (
    ConflictRow,
    DigestItemRow,
    OrganisationWebhookRow,
    SubscriptionRow,
)


class ConflictStates(Protocol):
    """The conflicts notifications knows, with what it announced of each."""

    async def lock(self, conflict_ids: Collection[str]) -> None:
        """Load ``conflict_ids`` for this transaction, locked against other instances, in key order."""

    async def get(self, conflict_id: str) -> ConflictRow | None:
        """The conflict ``conflict_id`` (locked), or None if it was never announced here."""

    def add(self, row: ConflictRow) -> None:
        """Keep a newly seen conflict."""

    def loaded(self) -> list[ConflictRow]:
        """The conflicts this transaction has loaded or added."""

    async def follow_ups_due(self, now: datetime, limit: int) -> Sequence[ConflictRow]:
        """Conflicts whose quiet period ended by ``now`` (locked; skipping those another instance holds)."""


class Subscriptions(Protocol):
    """Who hears about conflicts."""

    async def all(self) -> list[domain.Subscription]:
        """Every subscription."""

    async def digests(self) -> Sequence[SubscriptionRow]:
        """The digest subscriptions (locked; skipping those another instance holds)."""


class Webhooks(Protocol):
    """Organisations' own webhooks, used instead of their contact address."""

    async def of(self, organisations: Iterable[str]) -> dict[str, Webhook | None]:
        """The webhook of each of ``organisations`` (None: it has none)."""


class DigestItems(Protocol):
    """Announcements waiting for a subscriber's daily digest."""

    async def pending(self, subscription_id: str, before: datetime) -> Sequence[DigestItemRow]:
        """The items of ``subscription_id`` collected before ``before`` and not yet in a digest, in order."""

    async def assign(self, items: Sequence[DigestItemRow], digest_id: str) -> None:
        """Mark ``items`` as sent in the digest ``digest_id``."""


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


class SqlConflictStates:
    """Conflict states in the database; rows are locked on PostgreSQL (SQLite has one writer anyway)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._known: dict[str, ConflictRow | None] = {}

    async def lock(self, conflict_ids: Collection[str]) -> None:
        """Load ``conflict_ids`` for this transaction, locked against other instances, in key order."""
        ids = sorted(set(conflict_ids) - self._known.keys())
        if not ids:
            return
        query = select(ConflictRow).where(ConflictRow.conflict_id.in_(ids)).order_by(ConflictRow.conflict_id)
        if _is_postgres(self.session):
            query = query.with_for_update()
        loaded = {row.conflict_id: row for row in (await self.session.scalars(query)).all()}
        self._known.update({conflict_id: loaded.get(conflict_id) for conflict_id in ids})

    async def get(self, conflict_id: str) -> ConflictRow | None:
        """The conflict ``conflict_id`` (locked), or None if it was never announced here."""
        if conflict_id not in self._known:
            locking = _is_postgres(self.session) or None
            self._known[conflict_id] = await self.session.get(
                ConflictRow, conflict_id, with_for_update=locking
            )
        return self._known[conflict_id]

    def add(self, row: ConflictRow) -> None:
        """Keep a newly seen conflict."""
        self.session.add(row)
        self._known[row.conflict_id] = row

    def loaded(self) -> list[ConflictRow]:
        """The conflicts this transaction has loaded or added."""
        return [row for row in self._known.values() if row is not None]

    async def follow_ups_due(self, now: datetime, limit: int) -> Sequence[ConflictRow]:
        """Conflicts whose quiet period ended by ``now`` (locked; skipping those another instance holds)."""
        query = select(ConflictRow).where(ConflictRow.follow_up_due <= now).limit(limit)
        if _is_postgres(self.session):
            query = query.with_for_update(skip_locked=True)
        return (await self.session.scalars(query)).all()


class SqlRecipients:
    """The process's kept subscriptions and webhooks, checked against the version once per transaction."""

    def __init__(self, session: AsyncSession, cache: RecipientsCache | None) -> None:
        self.session = session
        self.cache = cache
        self._known: KnownRecipients | None = None

    async def known(self) -> KnownRecipients | None:
        """What the process keeps for the version this transaction sees; None when nothing is kept."""
        if self.cache is None:
            return None
        if self._known is None:
            self._known = await self.cache.read(self.session)
        return self._known


class SqlSubscriptions:
    """Subscriptions in the database, read once per transaction (or kept while the version holds)."""

    def __init__(self, session: AsyncSession, recipients: SqlRecipients | None = None) -> None:
        self.session = session
        self.recipients = recipients or SqlRecipients(session, None)
        self._all: list[domain.Subscription] | None = None

    async def all(self) -> list[domain.Subscription]:
        """Every subscription."""
        if self._all is None:
            known = await self.recipients.known()
            if known is not None and known.subscriptions is not None:
                self._all = known.subscriptions
            else:
                rows = (await self.session.scalars(select(SubscriptionRow))).all()
                self._all = [subscription_of(row) for row in rows]
                if known is not None:
                    known.subscriptions = self._all
        return self._all

    async def digests(self) -> Sequence[SubscriptionRow]:
        """The digest subscriptions (locked; skipping those another instance holds)."""
        query = select(SubscriptionRow).where(SubscriptionRow.mode == domain.Mode.DIGEST.value)
        if _is_postgres(self.session):
            query = query.with_for_update(skip_locked=True)
        return (await self.session.scalars(query)).all()


class SqlWebhooks:
    """Organisations' webhooks, each read once per transaction (or kept while the version holds)."""

    def __init__(self, session: AsyncSession, recipients: SqlRecipients | None = None) -> None:
        self.session = session
        self.recipients = recipients or SqlRecipients(session, None)
        self._known: dict[str, Webhook | None] = {}

    async def of(self, organisations: Iterable[str]) -> dict[str, Webhook | None]:
        """The webhook of each of ``organisations`` (None: it has none)."""
        wanted = set(organisations)
        missing = sorted(wanted - self._known.keys())
        kept = await self.recipients.known() if missing else None
        if kept is not None:
            self._known.update({slug: kept.webhooks[slug] for slug in missing if slug in kept.webhooks})
            missing = [slug for slug in missing if slug not in kept.webhooks]
        if missing:
            rows = await self.session.execute(
                select(
                    OrganisationWebhookRow.organisation,
                    OrganisationWebhookRow.url,
                    OrganisationWebhookRow.secret,
                ).where(OrganisationWebhookRow.organisation.in_(missing))
            )
            found = {organisation: (url, secret) for organisation, url, secret in rows}
            read = {organisation: found.get(organisation) for organisation in missing}
            self._known.update(read)
            if kept is not None:
                kept.webhooks.update(read)
        return {organisation: self._known[organisation] for organisation in wanted}


class SqlDigestItems:
    """Digest items in the database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pending(self, subscription_id: str, before: datetime) -> Sequence[DigestItemRow]:
        """The items of ``subscription_id`` collected before ``before`` and not yet in a digest, in order."""
        query = (
            select(DigestItemRow)
            .where(
                DigestItemRow.subscription_id == subscription_id,
                DigestItemRow.digest_id.is_(None),
                DigestItemRow.created_at < before,
            )
            .order_by(DigestItemRow.id)
        )
        return (await self.session.scalars(query)).all()

    async def assign(self, items: Sequence[DigestItemRow], digest_id: str) -> None:
        """Mark ``items`` as sent in the digest ``digest_id``."""
        ids: list[Any] = [item.id for item in items]
        await self.session.execute(
            update(DigestItemRow).where(DigestItemRow.id.in_(ids)).values(digest_id=digest_id)
        )
