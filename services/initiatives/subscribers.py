"""The initiatives consumer: conflicts on ``scheduling.conflicts`` attached to initiatives' activities."""

from __future__ import annotations

from contracts import ConflictDetected, ConflictResolved, Envelope, EventData
from contracts.topics import SCHEDULING_CONFLICTS
from initiatives import agenda
from initiatives.store import InitiativesUnitOfWork, SqlInitiativesUnitOfWork
from werkplaats.deadletter import Delivery
from werkplaats.runtime import ServiceRuntime

CONSUMER = "initiatives-conflicts"
CONFLICT_EVENTS = frozenset({ConflictDetected.event_type, ConflictResolved.event_type})


def subscribe(runtime: ServiceRuntime) -> None:
    """Register the conflicts consumer on ``runtime``."""

    async def on_conflict_event(unit: InitiativesUnitOfWork, event: Envelope[EventData], _: Delivery) -> None:
        await agenda.on_conflict_event(unit, event)

    runtime.consume(
        SCHEDULING_CONFLICTS,
        name=CONSUMER,
        unit_of_work=SqlInitiativesUnitOfWork,
        group_id=f"{runtime.consumer_group}-conflicts",
        handler=on_conflict_event,
        accept=CONFLICT_EVENTS | {"conflict.acknowledged"},
        description="Conflicts that concern initiatives' activities, attached to the initiative once.",
    )
