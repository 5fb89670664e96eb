"""The notifications consumer: ``scheduling.conflicts`` into the notifier, a batch loaded at once."""

from __future__ import annotations

from contracts import (
    INITIATIVE_EVENTS,
    ConflictAcknowledged,
    ConflictDetected,
    ConflictResolved,
    Envelope,
    EventData,
    PromiseOverdue,
    ReportDue,
)
from contracts.topics import INITIATIVES_EVENTS, REACH_EVENTS, SCHEDULING_CONFLICTS
from notifications.service.decisions import Notifier
from notifications.service.initiatives import InitiativeAlerts
from notifications.service.reach import ReachAlerts
from notifications.store import NotificationsUnitOfWork, SqlNotificationsUnitOfWork
from werkplaats.consumer import Batch, UnitOfWorkFactory
from werkplaats.deadletter import Delivery
from werkplaats.runtime import ServiceRuntime

CONSUMER = "notifications-conflicts"
CONFLICT_EVENTS = frozenset(
    {ConflictDetected.event_type, ConflictResolved.event_type, ConflictAcknowledged.event_type}
)


def subscribe(
    runtime: ServiceRuntime,
    notifier: Notifier,
    *,
    from_beginning: bool,
    unit_of_work: UnitOfWorkFactory[SqlNotificationsUnitOfWork] = SqlNotificationsUnitOfWork,
) -> None:
    """Register the notifications consumer on ``runtime``; each batch is one ``unit_of_work``."""

    async def on_conflict_event(
        unit: NotificationsUnitOfWork, event: Envelope[EventData], _: Delivery
    ) -> None:
        await notifier.on_conflict_event(unit, event)

    async def load(unit: NotificationsUnitOfWork, batch: Batch) -> None:
        await notifier.prefetch(unit, (event for event, _ in batch))

    runtime.consume(
        SCHEDULING_CONFLICTS,
        name=CONSUMER,
        unit_of_work=unit_of_work,
        group_id=f"{runtime.consumer_group}-conflicts",
        handler=on_conflict_event,
        prepare=load,
        accept=CONFLICT_EVENTS,
        from_beginning=from_beginning,
        description="Conflict events: the live feed, and who is told what, recorded once per recipient.",
    )


QUIET_FETCH_WAIT_MS = 1000
"""The fetch wait of the consumers of quiet topics (initiatives, reach): a fetch a second, answered at the
first event, instead of ten fetches and forty polls a second each."""

INITIATIVES_CONSUMER = "notifications-initiatives"


def subscribe_initiatives(runtime: ServiceRuntime, alerts: InitiativeAlerts, *, from_beginning: bool) -> None:
    """Register the consumer of ``initiatives.events``: overdue first contacts and initiatives' conflicts."""

    async def on_initiative_event(
        unit: SqlNotificationsUnitOfWork, event: Envelope[EventData], _: Delivery
    ) -> None:
        await alerts.on_initiative_event(unit, event)

    runtime.consume(
        INITIATIVES_EVENTS,
        name=INITIATIVES_CONSUMER,
        unit_of_work=SqlNotificationsUnitOfWork,
        group_id=f"{runtime.consumer_group}-initiatives",
        handler=on_initiative_event,
        accept=frozenset(model.event_type for model in INITIATIVE_EVENTS),
        from_beginning=from_beginning,
        fetch_wait_ms=QUIET_FETCH_WAIT_MS,
        description="Initiative events: overdue first contacts to the builder and operations, conflicts to "
        "the builder, recorded once per recipient.",
    )


REACH_CONSUMER = "notifications-reach"


def subscribe_reach(runtime: ServiceRuntime, alerts: ReachAlerts, *, from_beginning: bool) -> None:
    """Register the consumer of ``reach.events``: due reports to organisers, late promises to operations."""

    async def on_reach_event(
        unit: SqlNotificationsUnitOfWork, event: Envelope[EventData], _: Delivery
    ) -> None:
        await alerts.on_reach_event(unit, event)

    runtime.consume(
        REACH_EVENTS,
        name=REACH_CONSUMER,
        unit_of_work=SqlNotificationsUnitOfWork,
        group_id=f"{runtime.consumer_group}-reach",
        handler=on_reach_event,
        accept=frozenset({ReportDue.event_type, PromiseOverdue.event_type}),
        from_beginning=from_beginning,
        fetch_wait_ms=QUIET_FETCH_WAIT_MS,
        description="Reach events: a missing report to its organiser, an overdue promise to residents to "
        "operations, and to subscribers who chose them; recorded once per recipient.",
    )
