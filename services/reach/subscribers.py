"""The reach service's consumers: the shared agenda, and every partner's reports."""

from __future__ import annotations

from contracts import (
    ActivityReported,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    Envelope,
    EventData,
)
from contracts.topics import SCHEDULING_AGENDA, organisation_of, partner_topics
from reach import feedback
from reach.service import Arrival, Reach
from reach.store import SqlReachUnitOfWork
from werkplaats.deadletter import Delivery
from werkplaats.errors import PermanentError
from werkplaats.feedback import rejection
from werkplaats.runtime import ServiceRuntime

AGENDA_EVENTS = frozenset({AgendaActivityUpserted.event_type, AgendaActivityRemoved.event_type})


def subscribe(runtime: ServiceRuntime, reach: Reach, *, partner_pattern: str) -> None:
    """Register the reach consumers on ``runtime``."""

    async def on_agenda_change(unit: SqlReachUnitOfWork, event: Envelope[EventData], _: Delivery) -> None:
        assert isinstance(event.data, AgendaActivityUpserted | AgendaActivityRemoved)
        await reach.follow_agenda(unit, event.data)

    async def on_activity_reported(
        unit: SqlReachUnitOfWork, event: Envelope[EventData], delivery: Delivery
    ) -> None:
        organisation = organisation_of(delivery.topic)
        if organisation is None:
            raise PermanentError(f"{delivery.topic} does not name a valid organisation slug")
        assert isinstance(event.data, ActivityReported)
        arrival = Arrival(
            organisation=organisation,
            event_id=str(event.event_id),
            correlation_id=event.correlation_id,
            topic=delivery.topic,
            partition=delivery.partition,
            offset=delivery.offset,
        )
        await reach.take_report(unit, event.data, arrival)

    async def on_rejected(delivery: Delivery, error: Exception) -> None:
        organisation = organisation_of(delivery.topic)
        found = rejection(delivery, error, source=feedback.SERVICE)
        if organisation is None or found is None:
            return
        await runtime.ensure_topics(partner_topics(organisation))
        topic, message, key = found
        await runtime.producer.send_and_wait(topic, message, key=key)

    runtime.consume(
        SCHEDULING_AGENDA,
        name="reach-agenda",
        unit_of_work=SqlReachUnitOfWork,
        group_id=f"{runtime.consumer_group}-agenda",
        handler=on_agenda_change,
        accept=AGENDA_EVENTS,
        description="The shared agenda: each activity's organiser, wijken, groups, kind and occurrences.",
    )
    runtime.consume(
        pattern=partner_pattern,
        name="reach-reports",
        unit_of_work=SqlReachUnitOfWork,
        group_id=f"{runtime.consumer_group}-reports",
        handler=on_activity_reported,
        accept=frozenset({ActivityReported.event_type}),
        on_rejected=on_rejected,
        description="Outcome reports of partners: checked against the agenda, kept, summed up into advice.",
    )
