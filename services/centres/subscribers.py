"""The centres consumer: conflicts the scheduler finds for a centre's bookings, attached to those bookings."""

from __future__ import annotations

from centres.service.bookings import attach_conflict, detach_conflict
from centres.store import SqlCentresUnitOfWork
from contracts import ConflictAcknowledged, ConflictDetected, ConflictResolved, Envelope, EventData
from contracts.topics import SCHEDULING_CONFLICTS
from werkplaats.deadletter import Delivery
from werkplaats.runtime import ServiceRuntime

CONSUMER = "centres-conflicts"
CONFLICT_EVENTS = frozenset({ConflictDetected.event_type, ConflictResolved.event_type})
IGNORED_EVENTS = frozenset({ConflictAcknowledged.event_type})
"""Events of the topic that change nothing for a booking: an acknowledged conflict stays attached."""


def subscribe(runtime: ServiceRuntime) -> None:
    """Register the centres consumer on ``runtime``."""

    async def on_conflict_event(unit: SqlCentresUnitOfWork, event: Envelope[EventData], _: Delivery) -> None:
        if isinstance(event.data, ConflictDetected):
            await attach_conflict(unit, event.data)
        elif isinstance(event.data, ConflictResolved):
            await detach_conflict(unit, event.data)

    runtime.consume(
        SCHEDULING_CONFLICTS,
        name=CONSUMER,
        unit_of_work=SqlCentresUnitOfWork,
        group_id=f"{runtime.consumer_group}-conflicts",
        handler=on_conflict_event,
        accept=CONFLICT_EVENTS | IGNORED_EVENTS,
        from_beginning=False,
        description="Conflicts of the centres' own bookings, shown to their coordinators.",
    )
