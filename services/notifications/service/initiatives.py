"""Initiatives that need someone: a first contact overdue, a conflict, a subsidy deadline coming near.

An overdue first contact goes to the builder and operations, a conflict to the builder, a subsidy
deadline to the builder and the initiator (whose address is asked of initiatives at send time).

Each alert is recorded once per recipient in the transaction that records the consumed event: its
source key names the initiative and the deadline or conflict, so a redelivered or repeated event
decides nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy import select

from contracts import (
    Channel,
    Envelope,
    EventData,
    InitiativeConflictAttached,
    InitiativeOverdue,
    InitiativeSubsidyDeadlineApproaching,
    RecipientKind,
)
from notifications import domain
from notifications.channels.initiators import initiator_ref
from notifications.notification import InitiativeNotification
from notifications.service.decisions import Notifier
from notifications.store import NotificationRow, SqlNotificationsUnitOfWork

OperationsContacts = Callable[[], list[tuple[str, str]]]
"""(slug, contact e-mail) of every operations organisation."""


class InitiativeAlerts:
    """Turns ``initiatives.events`` into deliveries for the builder concerned and for operations."""

    def __init__(
        self,
        notifier: Notifier,
        builders: Mapping[str, str],
        operations: OperationsContacts,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.notifier = notifier
        self.builders = builders
        self.operations = operations
        self.clock = clock

    async def on_initiative_event(
        self, unit: SqlNotificationsUnitOfWork, envelope: Envelope[EventData]
    ) -> None:
        """Record the alerts one initiative event calls for (most call for none)."""
        data = envelope.data
        if isinstance(data, InitiativeOverdue):
            key = f"initiative-overdue:{data.initiative_id}:{data.due.isoformat()}"
            await self._record(unit, key, envelope, data.builder_id, to_operations=True)
        elif isinstance(data, InitiativeConflictAttached) and not data.resolved:
            key = f"initiative-conflict:{data.initiative_id}:{data.conflict_id}:{data.activity_id}"
            await self._record(unit, key, envelope, data.builder_id, to_operations=False)
        elif isinstance(data, InitiativeSubsidyDeadlineApproaching):
            key = (
                f"initiative-subsidy:{data.initiative_id}:{data.regulation_id}:{data.deadline_kind.value}:"
                f"{data.deadline.isoformat()}:{data.step}"
            )
            await self._record(unit, key, envelope, data.builder_id, to_operations=False, to_initiator=True)

    async def _record(
        self,
        unit: SqlNotificationsUnitOfWork,
        source_key: str,
        envelope: Envelope[EventData],
        builder_id: str | None,
        *,
        to_operations: bool,
        to_initiator: bool = False,
    ) -> None:
        if await _decided(unit, source_key):
            return  # the same alert raised again (another event id): decided before
        now = self.clock()
        facts = envelope.data.model_dump(mode="json")
        notification = InitiativeNotification(
            type=envelope.type,
            initiative_id=facts["initiative_id"],
            initiative=facts,
            correlation_id=envelope.correlation_id or str(envelope.event_id),
            decided_at=now.isoformat(),
        )
        recipients = self._recipients(builder_id, to_operations=to_operations)
        if to_initiator:
            ref = initiator_ref(notification.initiative_id)
            recipients.append(domain.Recipient(RecipientKind.INITIATOR, ref, Channel.EMAIL, ref))
        for recipient in recipients:
            self.notifier.record(unit, source_key, recipient, notification, now=now)
        unit.after_commit(self.notifier.on_decided)

    def _recipients(self, builder_id: str | None, *, to_operations: bool) -> list[domain.Recipient]:
        recipients = []
        address = self.builders.get(builder_id or "")
        if builder_id and address:
            recipients.append(
                domain.Recipient(RecipientKind.BUILDER, f"builder:{builder_id}", Channel.EMAIL, address)
            )
        if to_operations:
            recipients += [
                domain.Recipient(RecipientKind.ORGANISATION, f"organisation:{slug}", Channel.EMAIL, email)
                for slug, email in self.operations()
            ]
        return recipients


async def _decided(unit: SqlNotificationsUnitOfWork, source_key: str) -> bool:
    """Whether deliveries for ``source_key`` were recorded before (by an earlier event)."""
    found = await unit.session.scalar(
        select(NotificationRow.notification_id).where(NotificationRow.source_key == source_key).limit(1)
    )
    return found is not None
