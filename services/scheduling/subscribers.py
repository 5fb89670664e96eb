"""The scheduler's consumers: partner topics into the intake (and detection), placements into detection."""

from __future__ import annotations

from collections.abc import Callable

from contracts import ActivityPublished, ActivityWithdrawn, Envelope, EventData
from contracts.topics import SCHEDULING_PLACEMENTS, organisation_of, partner_topics
from scheduling.feedback import rejection
from scheduling.internal_events import PlacementChanged
from scheduling.service.detector import ZoneDetector
from scheduling.service.intake import Intake
from scheduling.store import SchedulingUnitOfWork, SqlSchedulingUnitOfWork
from werkplaats.consumer import Batch
from werkplaats.deadletter import Delivery
from werkplaats.errors import PermanentError
from werkplaats.runtime import ServiceRuntime

PARTNER_EVENTS = frozenset({ActivityPublished.event_type, ActivityWithdrawn.event_type})
PLACEMENTS_CONSUMER = "scheduling-detector"
"""The consumer of ``scheduling.placements``; with inline detection it drains what partitioned runs left."""
IDLE_FETCH_WAIT_MS = 1000
"""Its fetch wait with inline detection: a fetch a second while the topic is quiet, not a hundred."""


def subscribe(
    runtime: ServiceRuntime,
    intake: Intake,
    detector: ZoneDetector,
    *,
    partner_pattern: str,
    is_revoked: Callable[[str], bool] = lambda _: False,
    inline: bool = True,
) -> None:
    """Register the scheduler's consumers; messages of revoked organisations are dead-lettered.

    ``inline``: the intake places each change in its zones itself, so each batch first locks and loads
    the zones it touches. The placements consumer runs in both modes: with inline detection it drains
    what a partitioned run left on ``scheduling.placements``.
    """

    async def on_partner_event(
        unit: SchedulingUnitOfWork, event: Envelope[EventData], delivery: Delivery
    ) -> None:
        organisation = organisation_of(delivery.topic)
        if organisation is None:
            raise PermanentError(f"{delivery.topic} does not name a valid organisation slug")
        if is_revoked(organisation):
            raise PermanentError(f"organisation {organisation} is revoked; its messages are not taken in")
        correlation_id = event.correlation_id or str(event.event_id)
        if isinstance(event.data, ActivityPublished):
            await intake.publish(unit, organisation, event.data, correlation_id=correlation_id)
        elif isinstance(event.data, ActivityWithdrawn):
            await intake.withdraw(unit, organisation, event.data, correlation_id=correlation_id)
        else:
            return
        await intake.settle(unit, (organisation, event.data.activity_id), str(event.event_id))

    async def load_activities(unit: SchedulingUnitOfWork, batch: Batch) -> None:
        changes = [
            (organisation, event.data)
            for event, delivery in batch
            if (organisation := organisation_of(delivery.topic))
            and isinstance(event.data, ActivityPublished | ActivityWithdrawn)
        ]
        await intake.prefetch(unit, [(organisation, data.activity_id) for organisation, data in changes])
        if inline:
            await detector.prefetch(unit, await intake.zones_touched(unit, changes))

    async def load_zones(unit: SchedulingUnitOfWork, batch: Batch) -> None:
        await detector.prefetch_placements(
            unit, [e.data for e, _ in batch if isinstance(e.data, PlacementChanged)]
        )

    async def on_placement(
        unit: SchedulingUnitOfWork, event: Envelope[EventData], delivery: Delivery
    ) -> None:
        assert isinstance(event.data, PlacementChanged)
        correlation_id = event.correlation_id or str(event.event_id)
        await detector.apply_placed(unit, event.data, correlation_id=correlation_id)

    async def on_rejected(delivery: Delivery, error: Exception) -> None:
        feedback = rejection(delivery, error)
        if feedback is not None:
            topic, message, key = feedback
            await runtime.ensure_topics(partner_topics(organisation_of(delivery.topic) or ""))
            await runtime.producer.send_and_wait(topic, message, key=key)

    runtime.consume(
        pattern=partner_pattern,
        name="scheduling-intake",
        unit_of_work=SqlSchedulingUnitOfWork,
        group_id=f"{runtime.consumer_group}-intake",
        handler=on_partner_event,
        prepare=load_activities,
        accept=PARTNER_EVENTS,
        on_rejected=on_rejected,
        description=(
            "Activities partners publish: validated, stored, put on the agenda and placed in zones"
            + (" (each zone's conflicts detected in the same transaction)." if inline else ".")
        ),
    )
    runtime.consume(
        SCHEDULING_PLACEMENTS,
        name=PLACEMENTS_CONSUMER,
        unit_of_work=SqlSchedulingUnitOfWork,
        group_id=f"{runtime.consumer_group}-detector",
        handler=on_placement,
        prepare=load_zones,
        accept=frozenset({PlacementChanged.event_type}),
        fetch_wait_ms=IDLE_FETCH_WAIT_MS if inline else None,
        description="Agenda changes by zone: each zone's conflicts detected and resolved in one place.",
    )
