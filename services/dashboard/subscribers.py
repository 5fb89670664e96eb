"""The dashboard's consumers: conflicts and the agenda into the read model; volunteers near their caps."""

from __future__ import annotations

from contracts import Envelope, EventData
from contracts.topics import CENTRES_EVENTS, SCHEDULING_AGENDA, SCHEDULING_CONFLICTS
from dashboard.service import AGENDA_EVENTS, CONFLICT_EVENTS, ReadModel, volunteers
from dashboard.store import SqlDashboardUnitOfWork
from werkplaats.consumer import Batch
from werkplaats.deadletter import Delivery
from werkplaats.runtime import ServiceRuntime

CONSUMER = "dashboard-read-model"


def subscribe(runtime: ServiceRuntime, model: ReadModel, *, from_beginning: bool) -> None:
    """Register the read-model consumer on ``runtime``."""

    async def on_event(unit: SqlDashboardUnitOfWork, event: Envelope[EventData], _: Delivery) -> None:
        await model.apply(unit, event)

    async def load(unit: SqlDashboardUnitOfWork, batch: Batch) -> None:
        await unit.load_conflicts(
            str(event.data.conflict_id) for event, _ in batch if hasattr(event.data, "conflict_id")
        )

    runtime.consume(
        SCHEDULING_CONFLICTS,
        SCHEDULING_AGENDA,
        name=CONSUMER,
        unit_of_work=SqlDashboardUnitOfWork,
        group_id=f"{runtime.consumer_group}-read-model",
        handler=on_event,
        prepare=load,
        accept=CONFLICT_EVENTS | AGENDA_EVENTS,
        from_beginning=from_beginning,
        description="Conflicts and the shared agenda, kept in the dashboard's own read model.",
    )


VOLUNTEERS_CONSUMER = "dashboard-volunteers"


def subscribe_volunteers(runtime: ServiceRuntime, *, from_beginning: bool) -> None:
    """Register the consumer of ``centres.events`` that keeps volunteers near their allowance caps."""

    async def on_event(unit: SqlDashboardUnitOfWork, event: Envelope[EventData], _: Delivery) -> None:
        await volunteers.apply(unit, event)

    runtime.consume(
        CENTRES_EVENTS,
        name=VOLUNTEERS_CONSUMER,
        unit_of_work=SqlDashboardUnitOfWork,
        group_id=f"{runtime.consumer_group}-volunteers",
        handler=on_event,
        accept=volunteers.CENTRES_EVENT_TYPES,
        from_beginning=from_beginning,
        description="Volunteers' hours, payments and cap warnings: who is near a cap, per centre.",
    )
