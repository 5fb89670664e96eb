"""The notifications consumer: ``scheduling.conflicts`` into the notifier, a batch loaded at once."""

from __future__ import annotations

from contracts import ConflictAcknowledged, ConflictDetected, ConflictResolved, Envelope, EventData
from contracts.topics import SCHEDULING_CONFLICTS
from notifications.service.decisions import Notifier
from notifications.store import NotificationsUnitOfWork, SqlNotificationsUnitOfWork
from werkplaats.consumer import Batch
from werkplaats.deadletter import Delivery
from werkplaats.runtime import ServiceRuntime

CONSUMER = "notifications-conflicts"
CONFLICT_EVENTS = frozenset(
    {ConflictDetected.event_type, ConflictResolved.event_type, ConflictAcknowledged.event_type}
)


def subscribe(runtime: ServiceRuntime, notifier: Notifier, *, from_beginning: bool) -> None:
    """Register the notifications consumer on ``runtime``."""

    async def on_conflict_event(
        unit: NotificationsUnitOfWork, event: Envelope[EventData], _: Delivery
    ) -> None:
        await notifier.on_conflict_event(unit, event)

    async def load(unit: NotificationsUnitOfWork, batch: Batch) -> None:
        await notifier.prefetch(unit, (event for event, _ in batch))

    runtime.consume(
        SCHEDULING_CONFLICTS,
        name=CONSUMER,
        unit_of_work=SqlNotificationsUnitOfWork,
        group_id=f"{runtime.consumer_group}-conflicts",
        handler=on_conflict_event,
        prepare=load,
        accept=CONFLICT_EVENTS,
        from_beginning=from_beginning,
        description="Conflict events: the live feed, and who is told what, recorded once per recipient.",
    )
