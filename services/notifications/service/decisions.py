"""Deciding notifications: conflict events in, deliveries recorded once in the same transaction.

Every decision writes its deliveries with a deterministic id and a unique (announcement, recipient,
channel) key in the transaction that also records the consumed event in the inbox (or, for follow-ups
and digests, that clears the due marker): a decision is taken once, however often it is replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts import (
    ConflictAcknowledged,
    ConflictDetected,
    ConflictResolved,
    Envelope,
    EventData,
)
from notifications import domain
from notifications.channels.webhook import endpoint_of
from notifications.notification import ConflictNotification, Notification
from notifications.service.handoff import Handoffs
from notifications.store import (
    ConflictRow,
    DigestItemRow,
    FeedRow,
    NotificationRow,
    NotificationsUnitOfWork,
)
from notifications.store.mapping import facts_of, notification_id, state_of, store_state

Clock = Callable[[], datetime]
Directory = Callable[[str], tuple[str, str | None] | None]
"""An organisation's (name, contact e-mail) by slug, or None if unknown."""


class Notifier:
    """Turns conflict events, follow-up moments and digest moments into recorded deliveries."""

    def __init__(
        self,
        directory: Directory,
        *,
        quiet: timedelta,
        smtp_endpoint: str,
        clock: Clock = lambda: datetime.now(UTC),
        is_revoked: Callable[[str], bool] = lambda _: False,
    ) -> None:
        self.directory = directory
        self.is_revoked = is_revoked
        """A revoked organisation is told nothing: neither its contact address nor its webhook."""
        self.quiet = quiet
        self.smtp_endpoint = smtp_endpoint
        self.clock = clock
        self.on_decided: Callable[[], None] = lambda: None
        self.handoffs: Handoffs | None = None
        """When set, deliveries are staged leased to the sender and handed to it at commit."""

    async def on_conflict_event(self, unit: NotificationsUnitOfWork, envelope: Envelope[EventData]) -> None:
        """Take in one event of ``scheduling.conflicts``: feed it, update the conflict, maybe notify."""
        data = envelope.data
        unit.insert(
            FeedRow.__table__,
            {
                "event_type": envelope.type,
                "data": envelope.model_dump(mode="json", serialize_as_any=True),
                "created_at": self.clock(),
            },
        )
        if isinstance(data, ConflictDetected):
            await self._detected(unit, envelope, data)
        elif isinstance(data, ConflictResolved):
            await self._resolved(unit, envelope, data)
        elif isinstance(data, ConflictAcknowledged):
            await self._acknowledged(unit, envelope, data)
        self._decided(unit)

    async def prefetch(self, unit: NotificationsUnitOfWork, envelopes: Iterable[Envelope[EventData]]) -> None:
        """Load what a batch of conflict events needs in two queries instead of several per event.

        The conflicts are locked (PostgreSQL) in one statement, in key order, before any is changed;
        the handler then finds them, and the organisations' webhooks, in the unit of work.
        """
        datas = [envelope.data for envelope in envelopes]
        await unit.conflicts.lock({data.conflict_id for data in datas if isinstance(data, CONFLICT_DATA)})
        organisations = {
            activity.organisation
            for data in datas
            if isinstance(data, ConflictDetected)
            for activity in data.activities
        }
        for row in unit.conflicts.loaded():
            organisations.update(row.organisations)
        await unit.webhooks.of(organisations)
        await unit.subscriptions.all()

    async def _detected(
        self, unit: NotificationsUnitOfWork, envelope: Envelope[EventData], data: ConflictDetected
    ) -> None:
        now = self.clock()
        row = await unit.conflicts.get(data.conflict_id)
        if row is None:
            row = ConflictRow(conflict_id=data.conflict_id, seq=0, updated_at=now)
            unit.conflicts.add(row)
        row.severity = data.severity.value
        row.neighbourhoods = list(data.neighbourhoods)
        row.organisations = list(dict.fromkeys(a.organisation for a in data.activities))
        row.detected = data.model_dump(mode="json") | {"occurred_at": envelope.occurred_at.isoformat()}
        row.resolution = None
        await self._observe(unit, row, domain.DETECTED, envelope, now)

    async def _resolved(
        self, unit: NotificationsUnitOfWork, envelope: Envelope[EventData], data: ConflictResolved
    ) -> None:
        row = await unit.conflicts.get(data.conflict_id)
        if row is None:
            return  # never announced here: nobody to tell
        row.resolution = data.model_dump(mode="json")
        await self._observe(unit, row, domain.RESOLVED, envelope, self.clock())

    async def _observe(
        self,
        unit: NotificationsUnitOfWork,
        row: ConflictRow,
        event_type: str,
        envelope: Envelope[EventData],
        now: datetime,
    ) -> None:
        state, announcement = domain.observe(state_of(row), event_type, now, self.quiet)
        store_state(row, state, now)
        if announcement is not None:
            await self.announce(unit, row, announcement, correlation_id=_correlation(envelope))

    async def _acknowledged(
        self, unit: NotificationsUnitOfWork, envelope: Envelope[EventData], data: ConflictAcknowledged
    ) -> None:
        row = await unit.conflicts.get(data.conflict_id)
        if row is None:
            return
        await self._fan_out(
            unit,
            row,
            domain.ACKNOWLEDGED,
            f"ack:{envelope.event_id}",
            False,
            _correlation(envelope),
            data.model_dump(mode="json"),
        )

    async def announce(
        self,
        unit: NotificationsUnitOfWork,
        row: ConflictRow,
        announcement: domain.Announcement,
        *,
        correlation_id: str | None,
    ) -> None:
        """Record the deliveries of one announcement of a conflict's state."""
        source_key = f"announce:{row.conflict_id}:{announcement.seq}"
        await self._fan_out(
            unit, row, announcement.event_type, source_key, announcement.follow_up, correlation_id, None
        )

    async def _fan_out(
        self,
        unit: NotificationsUnitOfWork,
        row: ConflictRow,
        event_type: str,
        source_key: str,
        follow_up: bool,
        correlation_id: str | None,
        acknowledgement: dict[str, Any] | None,
    ) -> None:
        now = self.clock()
        facts = facts_of(row)
        recipients = domain.recipients_for(
            facts, event_type, await unit.subscriptions.all(), await self._contacts(unit, facts)
        )
        notification = ConflictNotification(
            type=event_type,
            follow_up=follow_up,
            conflict_id=row.conflict_id,
            correlation_id=correlation_id,
            decided_at=now.isoformat(),
            conflict=row.detected,
            resolution=row.resolution,
            organisation_names=self._names(facts.organisations),
            acknowledgement=acknowledgement,
        )
        for recipient in recipients:
            if recipient.digest_subscription:
                unit.insert(
                    DigestItemRow.__table__,
                    self._digest_item(recipient, source_key, row, event_type),
                )
            else:
                self.record(unit, source_key, recipient, notification, now=now)

    def record(
        self,
        unit: NotificationsUnitOfWork,
        source_key: str,
        recipient: domain.Recipient,
        notification: Notification,
        *,
        now: datetime,
    ) -> None:
        """Stage one pending delivery (its unique key makes a second decision fail, not send twice)."""
        endpoint = endpoint_of(recipient.address) if recipient.channel == "webhook" else self.smtp_endpoint
        values: dict[str, Any] = {
            "notification_id": notification_id(source_key, recipient.ref, recipient.channel),
            "source_key": source_key,
            "conflict_id": notification.conflict_id,
            "announced_type": notification.type,
            "follow_up": notification.follow_up,
            "channel": recipient.channel.value,
            "recipient_kind": recipient.kind.value,
            "recipient_ref": recipient.ref,
            "address": recipient.address,
            "endpoint": endpoint,
            "payload": notification.document(),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        if self.handoffs is not None:
            self.handoffs.stage(unit, values, secret=recipient.secret)
        unit.insert(NotificationRow.__table__, values)

    def _digest_item(
        self, recipient: domain.Recipient, source_key: str, row: ConflictRow, event_type: str
    ) -> dict[str, Any]:
        detected = row.detected
        return {
            "subscription_id": recipient.digest_subscription,
            "source_key": source_key,
            "conflict_id": row.conflict_id,
            "activity": None,
            "item": {
                "conflict_id": row.conflict_id,
                "event_type": event_type,
                "severity": row.severity,
                "neighbourhoods": row.neighbourhoods,
                "explanation_nl": detected["explanation"]["nl"],
                "explanation_en": detected["explanation"]["en"],
                "starts_at": detected["starts_at"],
            },
            "created_at": self.clock(),
        }

    async def _contacts(
        self, unit: NotificationsUnitOfWork, facts: domain.ConflictFacts
    ) -> dict[str, domain.OrganisationContact]:
        return await self.contacts_of(unit, facts.organisations)

    async def contacts_of(
        self, unit: NotificationsUnitOfWork, slugs: tuple[str, ...]
    ) -> dict[str, domain.OrganisationContact]:
        """How each organisation is reached: its webhook, its contact e-mail, or (revoked) not at all."""
        hooks = await unit.webhooks.of(slugs)
        contacts = {}
        for slug in slugs:
            if self.is_revoked(slug):
                contacts[slug] = domain.OrganisationContact(slug, None, None, None)
                continue
            known = self.directory(slug)
            hook = hooks.get(slug)
            contacts[slug] = domain.OrganisationContact(
                slug, known[1] if known else None, hook[0] if hook else None, hook[1] if hook else None
            )
        return contacts

    def _names(self, slugs: tuple[str, ...]) -> dict[str, str]:
        names = {}
        for slug in slugs:
            known = self.directory(slug)
            names[slug] = known[0] if known else slug
        return names

    async def run_follow_ups(self, unit: NotificationsUnitOfWork, limit: int = 200) -> int:
        """Announce the conflicts whose quiet period ended with a state other than the one told."""
        now = self.clock()
        rows = await unit.conflicts.follow_ups_due(now, limit)
        for row in rows:
            state, announcement = domain.follow_up(state_of(row), now, self.quiet)
            store_state(row, state, now)
            if announcement is not None:
                await self.announce(unit, row, announcement, correlation_id=None)
        if rows:
            self._decided(unit)
        return len(rows)

    def _decided(self, unit: NotificationsUnitOfWork) -> None:
        """Wake the sender after the commit, unless what was staged is handed to it anyway."""
        if self.handoffs is None:
            unit.after_commit(self.on_decided)


CONFLICT_DATA = (ConflictDetected, ConflictResolved, ConflictAcknowledged)


def _correlation(envelope: Envelope[EventData]) -> str | None:
    return envelope.correlation_id or str(envelope.event_id)
