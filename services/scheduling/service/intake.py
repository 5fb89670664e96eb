"""Taking in partner activities: store, publish the agenda, and repartition changes to their zones."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from contracts import (
    ActivityPublished,
    ActivityWithdrawn,
    AgendaActivityRemoved,
    AgendaActivityUpserted,
    Occurrence,
    new_event,
)
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_PLACEMENTS
from scheduling import NAME
from scheduling.domain import Activity, content_hash, expand, zones_of, zones_to_notify
from scheduling.internal_events import PlacementChanged
from scheduling.store import ActivityKey, SchedulingUnitOfWork

log = structlog.get_logger(__name__)


def agenda_key(organisation: str, activity_id: str) -> str:
    """The ``scheduling.agenda`` record key."""
    return f"{organisation}/{activity_id}"


class Intake:
    """Applies ``activity.published`` and ``activity.withdrawn`` of one organisation to the agenda.

    A transaction's activities are loaded once (``prefetch``) and written once, just before it commits.
    """

    def __init__(self, *, horizon: timedelta) -> None:
        self.horizon = horizon

    async def prefetch(self, unit: SchedulingUnitOfWork, keys: Iterable[ActivityKey]) -> None:
        """Load the stored state of ``keys`` at once, for the events of one transaction."""
        await unit.activities.load(keys)

    async def publish(
        self,
        unit: SchedulingUnitOfWork,
        organisation: str,
        published: ActivityPublished,
        *,
        correlation_id: str,
    ) -> bool:
        """Create or fully replace an activity; False when it is unchanged (nothing happens then)."""
        key = (organisation, published.activity_id)
        fingerprint = content_hash(published)
        stored = await unit.activities.get(key)
        if stored is not None and stored[1] == fingerprint:
            log.info("activity_unchanged", organisation=organisation, activity_id=published.activity_id)
            return False
        before = _activity(organisation, stored[0]) if stored is not None else None
        sequence = time.time_ns() // 1000
        now = datetime.now(UTC)
        payload = published.model_dump(mode="json")
        unit.activities.put(_row(organisation, published, payload, fingerprint, sequence, now))
        activity = Activity.from_published(organisation, published)
        occurrences = [
            Occurrence(starts_at=o.starts_at, ends_at=o.ends_at) for o in expand(activity, now, self.horizon)
        ]
        upserted = AgendaActivityUpserted(
            organisation=organisation, activity=published, occurrences=occurrences
        )
        unit.publish(
            SCHEDULING_AGENDA,
            new_event(upserted, source=NAME, correlation_id=correlation_id),
            key=agenda_key(organisation, published.activity_id),
        )
        placed = zones_of(activity)
        for zone in sorted(zones_to_notify(before, activity)):
            _place(
                unit,
                zone,
                organisation,
                published.activity_id,
                published if zone in placed else None,
                sequence,
                correlation_id,
            )
        log.info("activity_published", organisation=organisation, activity_id=published.activity_id)
        return True

    async def withdraw(
        self,
        unit: SchedulingUnitOfWork,
        organisation: str,
        withdrawn: ActivityWithdrawn,
        *,
        correlation_id: str,
    ) -> bool:
        """Remove an activity; False when it was not on the agenda."""
        key = (organisation, withdrawn.activity_id)
        stored = await unit.activities.get(key)
        if stored is None:
            log.info(
                "withdrawal_of_unknown_activity", organisation=organisation, activity_id=withdrawn.activity_id
            )
            return False
        before = _activity(organisation, stored[0])
        unit.activities.remove(key)
        removed = AgendaActivityRemoved(
            organisation=organisation, activity_id=withdrawn.activity_id, reason=withdrawn.reason
        )
        unit.publish(
            SCHEDULING_AGENDA,
            new_event(removed, source=NAME, correlation_id=correlation_id),
            key=agenda_key(organisation, withdrawn.activity_id),
        )
        sequence = time.time_ns() // 1000
        for zone in sorted(zones_of(before)):
            _place(unit, zone, organisation, withdrawn.activity_id, None, sequence, correlation_id)
        log.info("activity_withdrawn", organisation=organisation, activity_id=withdrawn.activity_id)
        return True


def _activity(organisation: str, payload: dict[str, object]) -> Activity:
    return Activity.from_published(organisation, ActivityPublished.model_validate(payload))


def _row(
    organisation: str,
    published: ActivityPublished,
    payload: dict[str, Any],
    fingerprint: str,
    sequence: int,
    now: datetime,
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "activity_id": published.activity_id,
        "payload": payload,
        "content_hash": fingerprint,
        "sequence": sequence,
        "starts_at": published.starts_at,
        "updated_at": now,
    }


def _place(
    unit: SchedulingUnitOfWork,
    zone: str,
    organisation: str,
    activity_id: str,
    activity: ActivityPublished | None,
    sequence: int,
    correlation_id: str,
) -> None:
    placement = PlacementChanged(
        zone=zone, organisation=organisation, activity_id=activity_id, activity=activity, sequence=sequence
    )
    unit.publish(
        SCHEDULING_PLACEMENTS,
        new_event(placement, source=NAME, correlation_id=correlation_id),
        key=zone,
    )
